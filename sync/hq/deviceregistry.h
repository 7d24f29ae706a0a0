#pragma once

// HQ's registry of enrolled devices and of scope membership (who holds which need-to-know unit).
// It backs the stream layer's PeerDirectory at HQ: the receiver looks senders up here (step 1)
// and the stream outbox seals to the box keys kept here.
//
//  hq_device  id, Ed25519 sign pk, X25519 box pk and its key id, state, label
//  hq_member  (scope, device)
//  hq_quota   device, window index, operations taken in it
// and lists HQ's other tables' migrations (hq_creator, hq_held_delete: hq/helddeletes.h;
// hq_reject: hq/hqrejects.h).

#include "crypto/bytes.h"
#include "error.h"
#include "store/database.h"
#include "streams/peers.h"
#include "streams/streamtypes.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace liaison::hq {

using crypto::Id16;
using streams::PeerState;

struct DeviceRecord
{
    Id16 id;
    crypto::SignPublicKey signKey;
    crypto::BoxPublicKey boxKey;
    std::uint32_t boxKeyId = 0;
    PeerState state = PeerState::Pending;
    QString label; // the officer or device name shown at the desk
};

class DeviceRegistry final : public streams::PeerDirectory
{
public:
    explicit DeviceRegistry(store::Database &db);
    ~DeviceRegistry() override;
    DeviceRegistry(const DeviceRegistry &) = delete;
    DeviceRegistry &operator=(const DeviceRegistry &) = delete;

    // HQ's tables, appended after the records and stream migrations in HQ's store.
    [[nodiscard]] static std::vector<store::Migration> migrations();
    [[nodiscard]] Status open(); // prepares statements

    [[nodiscard]] Status addDevice(const DeviceRecord &device); // AlreadyExists for a used id
    [[nodiscard]] Status setState(const Id16 &device, PeerState state);
    [[nodiscard]] Status setBoxKey(const Id16 &device, const crypto::BoxPublicKey &key,
                                   std::uint32_t keyId);
    [[nodiscard]] Result<std::optional<DeviceRecord>> device(const Id16 &id) const;
    [[nodiscard]] Result<QList<DeviceRecord>> devices() const;

    // PeerDirectory: the device as a stream peer (nullopt: unknown, or the store failed).
    [[nodiscard]] std::optional<streams::Peer> peer(const Id16 &id) const override;

    // Membership. Adding twice or removing what is not there is not an error; the result says
    // whether anything changed.
    [[nodiscard]] Result<bool> addMember(const Id16 &device, const QString &scope);
    [[nodiscard]] Result<bool> removeMember(const Id16 &device, const QString &scope);
    [[nodiscard]] Result<bool> isMember(const Id16 &device, const QString &scope) const;
    [[nodiscard]] Result<QStringList> scopesOf(const Id16 &device) const; // sorted
    // Members in the given state (all states when nullopt), by id.
    [[nodiscard]] Result<QList<Id16>> membersOf(const QString &scope,
                                                std::optional<PeerState> state) const;

    // Operation quota bookkeeping (review M4): how many operations the device sent in the
    // window `window` (a window index of HQ's clock); takeOps adds `count` and returns the total
    // before it.
    [[nodiscard]] Result<qint64> takeOps(const Id16 &device, qint64 window, qint64 count);

private:
    struct Statements;
    store::Database &m_db;
    std::unique_ptr<Statements> m_st;
};

} // namespace liaison::hq
