#pragma once

// Held tombstones of shared records (DESIGN.md "Data"; issue 8 point 9, review M5): a device's
// deletion of a shared record (a Contact) that it did not create is not applied or fanned out at
// HQ; it waits here for the desk, who accepts it (applied at HQ and fanned out to every member)
// or refuses it (the device gets REJECT DeleteRefused with HQ's record, so it has the record
// again). HqFanout decides and acts; this is only its storage.
//
//  hq_creator      record id -> the device that created it (absent: HQ, or created before HQ
//                  kept creators; a device's deletion of such a record is held)
//  hq_held_delete  id, device, record, scope, the tombstone as sent, HQ time it arrived

#include "crypto/bytes.h"
#include "error.h"
#include "model/operation.h"
#include "model/recordstore.h"
#include "store/database.h"

#include <QList>
#include <QString>

#include <optional>

namespace liaison::hq {

using crypto::Id16;

struct HeldDelete
{
    qint64 id = 0;                             // what the desk names when it decides
    Id16 device;                               // who deleted
    model::RecordId record;                    // what
    QString scope;                             // the record's scope
    qint64 receivedMs = 0;                     // HQ's clock when the deletion arrived
    model::Operation op;                       // the tombstone as the device sent it
    std::optional<model::RecordState> current; // HQ's record now (for the desk to look at)
};

class HeldDeletes
{
public:
    explicit HeldDeletes(store::Database &db)
        : m_db(db)
    {}

    // HQ's schema step that creates the tables (listed in DeviceRegistry::migrations()).
    [[nodiscard]] static Status migration(store::Database &db);

    // The device that created a record (nullopt: HQ, or not known).
    [[nodiscard]] Result<std::optional<Id16>> creator(const model::RecordId &record) const;
    // Records the creator of a record HQ did not have before (the first writer keeps it).
    [[nodiscard]] Status setCreator(const model::RecordId &record, const Id16 &device);

    [[nodiscard]] Result<qint64> hold(const Id16 &device, const model::Operation &op,
                                      qint64 receivedMs);
    // Oldest first; `current` is left empty (HqFanout fills it).
    [[nodiscard]] Result<QList<HeldDelete>> list() const;
    [[nodiscard]] Result<std::optional<HeldDelete>> find(qint64 id) const;
    [[nodiscard]] Status drop(qint64 id);
    // Every held deletion of the record (it was deleted: the others are moot).
    [[nodiscard]] Status dropRecord(const model::RecordId &record);

private:
    [[nodiscard]] Result<QList<HeldDelete>> select(const char *where, qint64 id) const;

    store::Database &m_db;
};

} // namespace liaison::hq
