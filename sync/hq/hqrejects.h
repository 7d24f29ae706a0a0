#pragma once

// The REJECTs HQ decided (DESIGN.md "Topology": HQ is the one validator; issue 10, the desk's
// review): every device operation HQ refuses is kept here, in the transaction that queues its
// REJECT, so the desk can look at the ones that say something is wrong (a device writing
// another's or HQ's records, outside its scopes, far ahead of HQ's clock, over its quota) and
// dismiss them once seen. HqFanout records; `liaison-hq review list|dismiss` reads.
//
//  hq_reject  id, device, record id, record type, scope, reason code, a short human reason,
//             HQ time, HQ time the desk dismissed it (NULL: not yet)
// Never a field value of the record: the REJECT itself (sealed in stream_outbox) carries those.
// Bounded: a device keeps its newest kKeptPerDevice rows; a device that floods HQ with refused
// operations pushes out only its own oldest rows, never another device's.

#include "crypto/bytes.h"
#include "error.h"
#include "model/operation.h"
#include "model/payloads.h"
#include "store/database.h"

#include <QList>
#include <QString>

#include <optional>

namespace liaison::hq {

using crypto::Id16;

struct RejectEntry
{
    qint64 id = 0; // what the desk names to dismiss it
    Id16 device;   // who sent the operation
    model::RecordId record;
    model::RecordType type = model::RecordType::Contact;
    QString scope;
    model::RejectReason reason = model::RejectReason::Invalid;
    QString detail;         // the short human reason
    qint64 atMs = 0;        // HQ's clock when HQ decided
    qint64 dismissedMs = 0; // 0: not dismissed
};

class HqRejects
{
public:
    explicit HqRejects(store::Database &db)
        : m_db(db)
    {}

    static constexpr int kKeptPerDevice = 1000;

    // HQ's schema steps that create the table and its per-device index (listed in
    // DeviceRegistry::migrations()).
    [[nodiscard]] static Status migration(store::Database &db);
    [[nodiscard]] static Status migrationPerDevice(store::Database &db);

    // Worth the desk's look: every reason but a quarantined device's (the desk revoked it; its
    // operations are refused as a matter of course) and the desk's own refusal of a deletion.
    [[nodiscard]] static bool worthALook(model::RejectReason reason);
    // The short human reason for a refusal of `op` (ids, type and scope only; no field values).
    [[nodiscard]] static QString describe(const model::Operation &op, model::RejectReason reason);

    // Keeps the row and drops the device's rows beyond its newest kKeptPerDevice.
    [[nodiscard]] Result<qint64> record(const Id16 &device, const model::Operation &op,
                                        model::RejectReason reason, qint64 atMs);
    // Decided at or after `sinceMs`, not dismissed, worth a look; oldest first.
    [[nodiscard]] Result<QList<RejectEntry>> open(qint64 sinceMs) const;
    [[nodiscard]] Result<std::optional<RejectEntry>> find(qint64 id) const;
    // NotFound for an id not recorded, AlreadyExists for one dismissed before.
    [[nodiscard]] Status dismiss(qint64 id, qint64 nowMs);
    // Rows kept for `device`, dismissed or not.
    [[nodiscard]] Result<qint64> countFor(const Id16 &device) const;

private:
    [[nodiscard]] Result<QList<RejectEntry>> select(const char *where, qint64 arg) const;

    store::Database &m_db;
};

} // namespace liaison::hq
