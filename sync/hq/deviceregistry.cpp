#include "hq/deviceregistry.h"
#include "errorforward.h"

#include "crypto/crypto.h"
#include "hq/helddeletes.h"
#include "hq/hqrejects.h"
#include "model/records.h"
#include "streams/savepoint.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHq, "liaison.hq")

namespace liaison::hq {

using store::Statement;

namespace {

Status migration1(store::Database &db)
{
    return db.execute(R"sql(
CREATE TABLE hq_device (
    id BLOB PRIMARY KEY CHECK (length(id) = 16),
    sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32),
    box_pk BLOB NOT NULL CHECK (length(box_pk) = 32),
    box_key_id INTEGER NOT NULL,
    state INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE hq_member (
    scope TEXT NOT NULL,
    device BLOB NOT NULL REFERENCES hq_device(id) ON DELETE CASCADE,
    PRIMARY KEY (scope, device)
) WITHOUT ROWID;
CREATE INDEX hq_member_device ON hq_member(device, scope);
)sql");
}

Status migration2(store::Database &db)
{
    return db.execute(R"sql(
CREATE TABLE hq_quota (
    device BLOB PRIMARY KEY REFERENCES hq_device(id) ON DELETE CASCADE,
    window INTEGER NOT NULL,
    used INTEGER NOT NULL
) WITHOUT ROWID;
)sql");
}

bool validState(qint64 s)
{
    return s >= qint64(PeerState::Pending) && s <= qint64(PeerState::Revoked);
}

} // namespace

struct DeviceRegistry::Statements
{
    Statement insDevice, setState, setBox, selDevice, allDevices, insMember, delMember, selMember,
        scopesOf, membersAll, membersIn, delMembersOf, selQuota, setQuota;
};

DeviceRegistry::DeviceRegistry(store::Database &db)
    : m_db(db)
{}

DeviceRegistry::~DeviceRegistry() = default;

std::vector<store::Migration> DeviceRegistry::migrations()
{
    // 3: held tombstones of shared records and who created each record (hq/helddeletes.h).
    // 4: the REJECTs HQ decided, for the desk's review (hq/hqrejects.h); 5: their per-device
    // index, which keeps each device's share bounded.
    return {migration1, migration2, HeldDeletes::migration, HqRejects::migration,
            HqRejects::migrationPerDevice};
}

Status DeviceRegistry::open()
{
    auto st = std::make_unique<Statements>();
    struct Item
    {
        Statement *stmt;
        const char *sql;
    };
    const Item items[] = {
        {&st->insDevice, "INSERT INTO hq_device(id, sign_pk, box_pk, box_key_id, state, label) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        {&st->setState, "UPDATE hq_device SET state = ?2 WHERE id = ?1"},
        {&st->setBox, "UPDATE hq_device SET box_pk = ?2, box_key_id = ?3 WHERE id = ?1"},
        {&st->selDevice, "SELECT id, sign_pk, box_pk, box_key_id, state, label FROM hq_device "
                         "WHERE id = ?1"},
        {&st->allDevices,
         "SELECT id, sign_pk, box_pk, box_key_id, state, label FROM hq_device ORDER BY id"},
        {&st->insMember, "INSERT OR IGNORE INTO hq_member(scope, device) VALUES (?1, ?2)"},
        {&st->delMember, "DELETE FROM hq_member WHERE scope = ?1 AND device = ?2"},
        {&st->selMember, "SELECT 1 FROM hq_member WHERE scope = ?1 AND device = ?2"},
        {&st->scopesOf, "SELECT scope FROM hq_member WHERE device = ?1 ORDER BY scope"},
        {&st->membersAll, "SELECT device FROM hq_member WHERE scope = ?1 ORDER BY device"},
        {&st->delMembersOf, "DELETE FROM hq_member WHERE device = ?1"},
        {&st->selQuota, "SELECT window, used FROM hq_quota WHERE device = ?1"},
        {&st->setQuota,
         "INSERT OR REPLACE INTO hq_quota(device, window, used) VALUES (?1, ?2, ?3)"},
        {&st->membersIn, "SELECT m.device FROM hq_member m JOIN hq_device d ON d.id = m.device "
                         "WHERE m.scope = ?1 AND d.state = ?2 ORDER BY m.device"},
    };
    for (const Item &item : items) {
        auto s = m_db.prepare(item.sql);
        if (!s)
            return forwardError(s);
        *item.stmt = std::move(*s);
    }
    m_st = std::move(st);
    return {};
}

Status DeviceRegistry::addDevice(const DeviceRecord &d)
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("devices: not open"));
    if (d.id.isZero())
        return fail(Errc::InvalidArgument, QStringLiteral("devices: zero id"));
    Statement &q = m_st->insDevice;
    q.bind(1, d.id.view()).bind(2, d.signKey.view()).bind(3, d.boxKey.view());
    // A null QString binds SQL NULL; the label is NOT NULL.
    q.bind(4, std::int64_t(d.boxKeyId)).bind(5, int(d.state));
    q.bind(6, d.label.isNull() ? QStringLiteral("") : d.label);
    return q.exec();
}

Status DeviceRegistry::setState(const Id16 &device, PeerState state)
{
    // Revocation (wipe-only, revoked) drops every membership in the same transaction: from then
    // on nothing is built for the device (DESIGN.md "Commands, remote wipe, revocation").
    streams::Savepoint sp(m_db);
    if (auto s = sp.begin(); !s)
        return s;
    m_st->setState.bind(1, device.view()).bind(2, int(state));
    if (auto s = m_st->setState.exec(); !s)
        return s;
    if (m_db.changes() == 0)
        return fail(Errc::NotFound, QStringLiteral("devices: no such device"));
    if (state == PeerState::WipeOnly || state == PeerState::Revoked) {
        m_st->delMembersOf.bind(1, device.view());
        if (auto s = m_st->delMembersOf.exec(); !s)
            return s;
    }
    return sp.release();
}

Status DeviceRegistry::setBoxKey(const Id16 &device, const crypto::BoxPublicKey &key,
                                 std::uint32_t keyId)
{
    m_st->setBox.bind(1, device.view()).bind(2, key.view()).bind(3, std::int64_t(keyId));
    if (auto s = m_st->setBox.exec(); !s)
        return s;
    if (m_db.changes() == 0)
        return fail(Errc::NotFound, QStringLiteral("devices: no such device"));
    return {};
}

namespace {
std::optional<DeviceRecord> readDevice(const Statement &q)
{
    DeviceRecord d;
    const auto id = crypto::Id16::fromBytes(q.columnBlob(0));
    const auto sign = crypto::SignPublicKey::fromBytes(q.columnBlob(1));
    const auto box = crypto::BoxPublicKey::fromBytes(q.columnBlob(2));
    const qint64 state = q.columnInt64(4);
    if (!id || !sign || !box || !validState(state))
        return std::nullopt;
    d.id = *id;
    d.signKey = *sign;
    d.boxKey = *box;
    d.boxKeyId = std::uint32_t(q.columnInt64(3));
    d.state = PeerState(state);
    d.label = q.columnText(5);
    return d;
}
} // namespace

Result<std::optional<DeviceRecord>> DeviceRegistry::device(const Id16 &id) const
{
    if (!m_st)
        return fail(Errc::InvalidArgument, QStringLiteral("devices: not open"));
    Statement &q = m_st->selDevice;
    q.bind(1, id.view());
    auto has = q.step();
    if (!has) {
        q.reset();
        return forwardError(has);
    }
    std::optional<DeviceRecord> out;
    if (*has) {
        out = readDevice(q);
        if (!out) {
            q.reset();
            return fail(Errc::Tampered, QStringLiteral("devices: damaged device row"));
        }
    }
    q.reset();
    return out;
}

Result<QList<DeviceRecord>> DeviceRegistry::devices() const
{
    QList<DeviceRecord> out;
    Statement &q = m_st->allDevices;
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        auto d = readDevice(q);
        if (!d) {
            q.reset();
            return fail(Errc::Tampered, QStringLiteral("devices: damaged device row"));
        }
        out.append(*d);
    }
    q.reset();
    return out;
}

std::optional<streams::Peer> DeviceRegistry::peer(const Id16 &id) const
{
    auto d = device(id);
    if (!d) {
        qCWarning(lcHq) << "device lookup failed:" << errcName(d.error().code);
        return std::nullopt;
    }
    if (!*d)
        return std::nullopt;
    streams::Peer p;
    p.id = (*d)->id;
    p.signKey = (*d)->signKey;
    p.boxKey = (*d)->boxKey;
    p.boxKeyId = (*d)->boxKeyId;
    p.signKeyHash = crypto::crypto_generichash((*d)->signKey.view());
    p.state = (*d)->state;
    return p;
}

Result<bool> DeviceRegistry::addMember(const Id16 &device, const QString &scope)
{
    if (!model::isValidScope(scope))
        return fail(Errc::InvalidArgument, QStringLiteral("devices: bad scope"));
    m_st->insMember.bind(1, scope).bind(2, device.view());
    if (auto s = m_st->insMember.exec(); !s)
        return std::unexpected(s.error());
    return m_db.changes() > 0;
}

Result<bool> DeviceRegistry::removeMember(const Id16 &device, const QString &scope)
{
    m_st->delMember.bind(1, scope).bind(2, device.view());
    if (auto s = m_st->delMember.exec(); !s)
        return std::unexpected(s.error());
    return m_db.changes() > 0;
}

Result<bool> DeviceRegistry::isMember(const Id16 &device, const QString &scope) const
{
    Statement &q = m_st->selMember;
    q.bind(1, scope).bind(2, device.view());
    auto has = q.step();
    q.reset();
    if (!has)
        return forwardError(has);
    return *has;
}

Result<QStringList> DeviceRegistry::scopesOf(const Id16 &device) const
{
    QStringList out;
    Statement &q = m_st->scopesOf;
    q.bind(1, device.view());
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        out.append(q.columnText(0));
    }
    q.reset();
    return out;
}

Result<QList<Id16>> DeviceRegistry::membersOf(const QString &scope,
                                              std::optional<PeerState> state) const
{
    QList<Id16> out;
    Statement &q = state ? m_st->membersIn : m_st->membersAll;
    q.bind(1, scope);
    if (state)
        q.bind(2, int(*state));
    for (;;) {
        auto has = q.step();
        if (!has) {
            q.reset();
            return forwardError(has);
        }
        if (!*has)
            break;
        if (const auto id = crypto::Id16::fromBytes(q.columnBlob(0)))
            out.append(*id);
    }
    q.reset();
    return out;
}

Result<qint64> DeviceRegistry::takeOps(const Id16 &device, qint64 window, qint64 count)
{
    Statement &q = m_st->selQuota;
    q.bind(1, device.view());
    auto has = q.step();
    if (!has) {
        q.reset();
        return forwardError(has);
    }
    qint64 used = 0;
    if (*has && q.columnInt64(0) == window)
        used = q.columnInt64(1);
    q.reset();
    m_st->setQuota.bind(1, device.view()).bind(2, window).bind(3, used + count);
    if (auto s = m_st->setQuota.exec(); !s)
        return std::unexpected(s.error());
    return used;
}

} // namespace liaison::hq
