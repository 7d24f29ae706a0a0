#include "desk/remotewipe.h"

#include "protocol/body.h"

namespace liaison::desk {

namespace {

constexpr const char *kColumns =
    "SELECT device_id, wipe_id, wipe_ack_pk, command_id, ordered_ms, not_after_ms, sent_down, "
    "token_ms, ack_ms, ack_device_ms, ack_by_wipe_key, revoked_ms, relay_version FROM desk_wipe ";

Result<WipeStatus> readRow(const store::Statement &st)
{
    const auto damaged = [] {
        return fail(Errc::Tampered, QStringLiteral("the desk's wipe table is damaged"));
    };
    WipeStatus w;
    auto device = crypto::Id16::fromBytes(st.columnBlob(0));
    if (!device)
        return damaged();
    w.device = *device;
    if (!st.columnIsNull(1)) {
        w.wipeId = crypto::Id16::fromBytes(st.columnBlob(1));
        if (!w.wipeId)
            return damaged();
    }
    if (!st.columnIsNull(2)) {
        w.wipeAckKey = crypto::SignPublicKey::fromBytes(st.columnBlob(2));
        if (!w.wipeAckKey)
            return damaged();
    }
    if (!st.columnIsNull(3)) {
        w.commandId = crypto::Id16::fromBytes(st.columnBlob(3));
        if (!w.commandId)
            return damaged();
    }
    w.orderedMs = st.columnInt64(4);
    w.notAfterMs = st.columnInt64(5);
    w.sentOnDown = st.columnInt64(6) != 0;
    w.tokenPublishedMs = st.columnInt64(7);
    w.acknowledgedMs = st.columnInt64(8);
    w.acknowledgedAtDeviceMs = st.columnInt64(9);
    w.acknowledgedByWipeAckKey = st.columnInt64(10) != 0;
    w.revokedMs = st.columnInt64(11);
    w.relayVersion = st.columnInt64(12);
    return w;
}

} // namespace

Status createWipeTable(store::Database &db)
{
    return db.execute(
        "CREATE TABLE desk_wipe (device_id BLOB PRIMARY KEY, wipe_id BLOB, wipe_ack_pk BLOB, "
        "command_id BLOB, ordered_ms INTEGER NOT NULL DEFAULT 0, "
        "not_after_ms INTEGER NOT NULL DEFAULT 0, sent_down INTEGER NOT NULL DEFAULT 0, "
        "token_ms INTEGER NOT NULL DEFAULT 0, ack BLOB, ack_ms INTEGER NOT NULL DEFAULT 0, "
        "ack_device_ms INTEGER NOT NULL DEFAULT 0, ack_by_wipe_key INTEGER NOT NULL DEFAULT 0, "
        "revoked_ms INTEGER NOT NULL DEFAULT 0, relay_version INTEGER NOT NULL DEFAULT 0)");
}

RemoteWipe::RemoteWipe(DeskStore &desk)
    : m_desk(desk)
{}

Status RemoteWipe::ensureRow(const crypto::Id16 &device)
{
    auto st = m_desk.database().prepare("INSERT OR IGNORE INTO desk_wipe (device_id) VALUES (?1)");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, device.view()).exec();
}

Status RemoteWipe::registerTarget(const crypto::Id16 &device, const crypto::Id16 &wipeId,
                                  const std::optional<crypto::SignPublicKey> &wipeAckKey)
{
    if (auto s = ensureRow(device); !s)
        return s;
    auto st = m_desk.database().prepare(
        "UPDATE desk_wipe SET wipe_id = ?2, wipe_ack_pk = ?3 WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view()).bind(2, wipeId.view());
    if (wipeAckKey)
        st->bind(3, wipeAckKey->view());
    else
        st->bindNull(3);
    return st->exec();
}

Result<std::optional<WipeStatus>> RemoteWipe::status(const crypto::Id16 &device) const
{
    auto st =
        m_desk.database().prepare((QByteArray(kColumns) + "WHERE device_id = ?1").constData());
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<WipeStatus>();
    auto w = readRow(*st);
    if (!w)
        return std::unexpected(w.error());
    return std::optional<WipeStatus>(*w);
}

Result<QList<WipeStatus>> RemoteWipe::all() const
{
    auto st = m_desk.database().prepare((QByteArray(kColumns) + "ORDER BY device_id").constData());
    if (!st)
        return std::unexpected(st.error());
    QList<WipeStatus> out;
    for (;;) {
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        auto w = readRow(*st);
        if (!w)
            return std::unexpected(w.error());
        out.append(*w);
    }
    return out;
}

Result<protocol::WipeTarget> RemoteWipe::target(const crypto::Id16 &device) const
{
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no such device in the registry"));
    auto w = status(device);
    if (!w)
        return std::unexpected(w.error());
    if (!*w || !(*w)->wipeId)
        return fail(Errc::NotFound,
                    QStringLiteral("the device has no wipe id (it was enrolled without one): "
                                   "only the WIPE on its `down` stream can reach it"));
    protocol::WipeTarget t;
    t.deployment = m_desk.config().deployment;
    t.device = device;
    t.signKeyHash = crypto::crypto_generichash((*record)->signKey.view());
    if ((*w)->wipeAckKey)
        t.wipeAckKeyHash = crypto::crypto_generichash((*w)->wipeAckKey->view());
    t.wipeId = *(*w)->wipeId;
    t.rootKey = m_desk.config().rootKey;
    return t;
}

Result<WipeStatus> RemoteWipe::order(streams::StreamOutbox &outbox, const crypto::Id16 &device)
{
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no such device in the registry"));
    if (auto s = ensureRow(device); !s)
        return std::unexpected(s.error());
    auto current = status(device);
    if (!current)
        return std::unexpected(current.error());
    WipeStatus w = **current;
    const qint64 now = m_desk.clock().wallMs();
    // An outstanding order (not acknowledged, not expired) is the one sent again.
    if (!w.commandId || w.wiped() || w.notAfterMs <= now) {
        w.commandId = crypto::randomFixed<crypto::Id16>();
        w.orderedMs = now;
        w.notAfterMs = now + kWipeValidityMs;
        w.sentOnDown = false;
        w.tokenPublishedMs = 0;
        w.acknowledgedMs = 0;
        w.acknowledgedAtDeviceMs = 0;
        w.acknowledgedByWipeAckKey = false;
    }
    if (!w.sentOnDown) {
        auto head = outbox.head(device);
        if (!head)
            return std::unexpected(head.error());
        // A stream never opened (the device was never confirmed) has nothing to carry it.
        if (head->epoch != 0) {
            protocol::CommandPayload c;
            c.type = protocol::CommandPayload::Type::Wipe;
            c.commandId = *w.commandId;
            c.target = device;
            c.targetSignKeyHash = crypto::crypto_generichash((*record)->signKey.view());
            c.issuedAtMs = w.orderedMs;
            c.notAfterMs = w.notAfterMs;
            // On `down!` when the device may be sent anything there (it is opened for a WIPE
            // even while parked).
            auto lane = outbox.priorityLaneUsable(device);
            if (!lane)
                return std::unexpected(lane.error());
            auto q = outbox.enqueue(device, streams::Kind::Command, c.toCbor(),
                                    *lane ? streams::Lane::Priority : streams::Lane::Bulk);
            if (!q)
                return std::unexpected(q.error());
            w.sentOnDown = true;
        }
    }
    auto st = m_desk.database().prepare(
        "UPDATE desk_wipe SET command_id = ?2, ordered_ms = ?3, not_after_ms = ?4, "
        "sent_down = ?5, token_ms = ?6, ack = CASE WHEN ?7 = 0 THEN NULL ELSE ack END, "
        "ack_ms = ?7, ack_device_ms = ?8, ack_by_wipe_key = ?9 WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, device.view())
                     .bind(2, w.commandId->view())
                     .bind(3, w.orderedMs)
                     .bind(4, w.notAfterMs)
                     .bind(5, w.sentOnDown ? 1 : 0)
                     .bind(6, w.tokenPublishedMs)
                     .bind(7, w.acknowledgedMs)
                     .bind(8, w.acknowledgedAtDeviceMs)
                     .bind(9, w.acknowledgedByWipeAckKey ? 1 : 0)
                     .exec();
        !s)
        return std::unexpected(s.error());
    return w;
}

Result<protocol::WipeToken> RemoteWipe::token(const crypto::Id16 &device) const
{
    auto t = target(device);
    if (!t)
        return std::unexpected(t.error());
    auto w = status(device);
    if (!w)
        return std::unexpected(w.error());
    if (!*w || !(*w)->commandId)
        return fail(Errc::NotFound, QStringLiteral("no wipe was ordered for the device"));
    const auto &cert = m_desk.config().certificate;
    if (!cert)
        return fail(Errc::NotFound,
                    QStringLiteral("the desk has no certificate (liaison-hq cert issue)"));
    return protocol::makeWipeToken(*t, *(*w)->commandId, (*w)->orderedMs, (*w)->notAfterMs, *cert,
                                   m_desk.identity().sign.secretKey);
}

Status RemoteWipe::markTokenPublished(const crypto::Id16 &device)
{
    auto st = m_desk.database().prepare("UPDATE desk_wipe SET token_ms = ?2 WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, device.view()).bind(2, qint64(m_desk.clock().wallMs())).exec();
}

Status RemoteWipe::takeAcknowledgement(const crypto::Id16 &device, QByteArrayView bytes)
{
    auto ack = protocol::WipeAcknowledgement::decode(bytes);
    if (!ack)
        return fail(Errc::AuthFailed,
                    QStringLiteral("the wipe acknowledgement at the relay is not an LWA2"));
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    auto w = status(device);
    if (!w)
        return std::unexpected(w.error());
    if (!*record || !*w || !(*w)->commandId)
        return fail(Errc::Refused, QStringLiteral("HQ ordered no wipe of this device"));
    const crypto::Hash32 signHash = crypto::crypto_generichash((*record)->signKey.view());
    QList<crypto::Hash32> keys{signHash};
    if ((*w)->wipeAckKey)
        keys.append(crypto::crypto_generichash((*w)->wipeAckKey->view()));
    if (auto v = protocol::verifyWipeAcknowledgement(*ack, m_desk.config().deployment, device,
                                                     *(*w)->commandId, keys);
        !v)
        return v;
    const bool byWipeKey = crypto::crypto_generichash(ack->key.view()) != signHash;
    auto st = m_desk.database().prepare(
        "UPDATE desk_wipe SET ack = ?2, ack_ms = ?3, ack_device_ms = ?4, ack_by_wipe_key = ?5 "
        "WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, device.view())
        .bind(2, QByteArray(bytes.data(), bytes.size()))
        .bind(3, qint64(m_desk.clock().wallMs()))
        .bind(4, qint64(ack->atMs))
        .bind(5, byWipeKey ? 1 : 0)
        .exec();
}

Status RemoteWipe::markRevoked(const crypto::Id16 &device)
{
    if (auto s = ensureRow(device); !s)
        return s;
    auto st = m_desk.database().prepare(
        "UPDATE desk_wipe SET revoked_ms = ?2 WHERE device_id = ?1 AND revoked_ms = 0");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, device.view()).bind(2, qint64(m_desk.clock().wallMs())).exec();
}

Result<qint64> RemoteWipe::nextRelayVersion(const crypto::Id16 &device)
{
    if (auto s = ensureRow(device); !s)
        return std::unexpected(s.error());
    auto w = status(device);
    if (!w)
        return std::unexpected(w.error());
    // The wall clock keeps it above the version enrolment used; the stored one keeps it rising
    // when the clock steps back.
    const qint64 version = std::max<qint64>((*w)->relayVersion + 1, m_desk.clock().wallMs());
    auto st =
        m_desk.database().prepare("UPDATE desk_wipe SET relay_version = ?2 WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, device.view()).bind(2, version).exec(); !s)
        return std::unexpected(s.error());
    return version;
}

} // namespace liaison::desk
