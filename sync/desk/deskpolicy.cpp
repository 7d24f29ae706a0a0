#include "desk/deskpolicy.h"

#include "client/relayhttp.h"
#include "vault/keyfile.h"
#include "vault/vault.h"

namespace liaison::desk {

static_assert(kDefaultPolicyEraseAfter == vault::kDefaultEraseAfter);
static_assert(kPolicyEraseAfterMin >= vault::kEraseAfterMin &&
              kPolicyEraseAfterMax <= vault::kEraseAfterMax);

namespace {

struct PolicyRow
{
    std::uint64_t version = 0;
    std::uint32_t autoLockSeconds = kDefaultAutoLockCeilingSeconds;
    std::uint32_t eraseAfter = kDefaultPolicyEraseAfter;
    QStringList previousPins;
};

Result<std::optional<PolicyRow>> readRow(store::Database &db)
{
    auto st = db.prepare("SELECT version, auto_lock_s, erase_after, previous_pins FROM desk_policy "
                         "WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<PolicyRow>();
    PolicyRow r;
    r.version = std::uint64_t(st->columnInt64(0));
    r.autoLockSeconds = std::uint32_t(st->columnInt64(1));
    r.eraseAfter = std::uint32_t(st->columnInt64(2));
    r.previousPins = decodeRelayPins(st->columnText(3));
    return std::optional<PolicyRow>(r);
}

Result<QList<protocol::RelayPin>> parsePins(const QStringList &pins)
{
    QList<protocol::RelayPin> out;
    for (const QString &p : pins) {
        auto pin = client::parseSpkiPin(p.toLatin1());
        if (!pin)
            return fail(Errc::Tampered, QStringLiteral("the desk's relay pins are damaged"));
        out.append(*protocol::RelayPin::fromBytes(pin->view()));
    }
    return out;
}

} // namespace

Status createPolicyTable(store::Database &db)
{
    return db.execute("CREATE TABLE desk_policy (id INTEGER PRIMARY KEY CHECK (id = 1), "
                      "version INTEGER NOT NULL, auto_lock_s INTEGER NOT NULL, "
                      "erase_after INTEGER NOT NULL, previous_pins TEXT NOT NULL)");
}

Result<QStringList> previousRelayPins(store::Database &db)
{
    auto row = readRow(db);
    if (!row)
        return std::unexpected(row.error());
    return *row ? (*row)->previousPins : QStringList();
}

DeskPolicy::DeskPolicy(DeskStore &desk)
    : m_desk(desk)
{}

Status validateAutoLockCeiling(std::uint32_t seconds)
{
    if (seconds == 0 ||
        (seconds >= kAutoLockCeilingMinSeconds && seconds <= kAutoLockCeilingMaxSeconds))
        return {};
    return fail(Errc::InvalidArgument,
                QStringLiteral("the auto-lock ceiling is %1 to %2 seconds (or 0: none), not %3")
                    .arg(kAutoLockCeilingMinSeconds)
                    .arg(kAutoLockCeilingMaxSeconds)
                    .arg(seconds));
}

Status validateEraseAfter(std::uint32_t count)
{
    if (count == 0 || (count >= kPolicyEraseAfterMin && count <= kPolicyEraseAfterMax))
        return {};
    return fail(Errc::InvalidArgument,
                QStringLiteral("the erase-after count is %1 to %2 failed unlocks (or 0: never), "
                               "not %3")
                    .arg(kPolicyEraseAfterMin)
                    .arg(kPolicyEraseAfterMax)
                    .arg(count));
}

namespace {

// The payload of a desk_policy row (or of the defaults) with desk_config's pins.
Result<protocol::PolicyPayload> payloadOf(const PolicyRow &row, const DeskConfig &config)
{
    auto pins = parsePins(config.relayPins);
    if (!pins)
        return std::unexpected(pins.error());
    protocol::PolicyPayload p;
    p.version = row.version;
    p.autoLockSeconds = row.autoLockSeconds;
    p.eraseAfter = row.eraseAfter;
    if (!pins->isEmpty())
        p.relayPins = *pins;
    return p;
}

} // namespace

Result<std::optional<protocol::PolicyPayload>> DeskPolicy::current() const
{
    auto row = readRow(m_desk.database());
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<protocol::PolicyPayload>();
    auto p = payloadOf(**row, m_desk.config());
    if (!p)
        return std::unexpected(p.error());
    return std::optional<protocol::PolicyPayload>(*p);
}

Result<protocol::PolicyPayload> DeskPolicy::inForce() const
{
    auto row = readRow(m_desk.database());
    if (!row)
        return std::unexpected(row.error());
    return payloadOf(row->value_or(PolicyRow{}), m_desk.config());
}

Status DeskPolicy::saveAndQueue(streams::StreamOutbox &outbox,
                                const protocol::PolicyPayload &policy,
                                const QStringList &previousPins, QStringList &queuedTo,
                                QStringList &notYet)
{
    store::Database &db = m_desk.database();
    auto pol = db.prepare("INSERT OR REPLACE INTO desk_policy (id, version, auto_lock_s, "
                          "erase_after, previous_pins) VALUES (1, ?1, ?2, ?3, ?4)");
    if (!pol)
        return std::unexpected(pol.error());
    if (auto s = pol->bind(1, qint64(policy.version))
                     .bind(2, qint64(policy.autoLockSeconds))
                     .bind(3, qint64(policy.eraseAfter))
                     .bind(4, encodeRelayPins(previousPins))
                     .exec();
        !s)
        return s;

    auto devices = m_desk.registry().devices();
    if (!devices)
        return std::unexpected(devices.error());
    const QCborMap payload = policy.toCbor();
    for (const hq::DeviceRecord &d : *devices) {
        if (d.state != streams::PeerState::Active)
            continue; // pending, wipe-only, revoked: nothing but a WIPE is sealed for them
        const QString id = QString::fromLatin1(d.id.toHex());
        auto open = outbox.isOpen(d.id);
        if (!open)
            return std::unexpected(open.error());
        auto may =
            *open ? outbox.mayReceive(d.id, streams::Kind::Policy, payload) : Result<bool>(false);
        if (!may)
            return std::unexpected(may.error());
        if (!*may) {
            notYet.append(id); // its next RESYNC carries the policy
            continue;
        }
        auto q = outbox.enqueue(d.id, streams::Kind::Policy, payload);
        if (!q)
            return std::unexpected(q.error());
        queuedTo.append(id);
    }
    return {};
}

Result<PolicyChange> DeskPolicy::setLimits(streams::StreamOutbox &outbox,
                                           const PolicyLimits &limits)
{
    if (!limits.autoLockSeconds && !limits.eraseAfter)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("give the auto-lock ceiling, the erase-after count or both"));
    if (limits.autoLockSeconds)
        if (auto s = validateAutoLockCeiling(*limits.autoLockSeconds); !s)
            return std::unexpected(s.error());
    if (limits.eraseAfter)
        if (auto s = validateEraseAfter(*limits.eraseAfter); !s)
            return std::unexpected(s.error());
    store::Database &db = m_desk.database();
    store::Transaction tx(db);
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto row = readRow(db);
    if (!row)
        return std::unexpected(row.error());
    const PolicyRow old = row->value_or(PolicyRow{});
    auto previous = payloadOf(old, m_desk.config());
    if (!previous)
        return std::unexpected(previous.error());

    PolicyChange out;
    out.previous = *previous;
    out.policy = *previous;
    out.policy.autoLockSeconds = limits.autoLockSeconds.value_or(old.autoLockSeconds);
    out.policy.eraseAfter = limits.eraseAfter.value_or(old.eraseAfter);
    out.changed = !*row || out.policy.autoLockSeconds != old.autoLockSeconds ||
                  out.policy.eraseAfter != old.eraseAfter;
    if (!out.changed)
        return out; // the transaction rolls back: nothing was written
    out.policy.version = old.version + 1;
    if (auto s = saveAndQueue(outbox, out.policy, old.previousPins, out.queuedTo, out.notYet); !s)
        return std::unexpected(s.error());
    if (auto s = m_desk.audit(QStringLiteral("policy.set"), QString(),
                              QStringLiteral("auto-lock ceiling %1 s, erase after %2, policy "
                                             "version %3, queued for %4 device(s), %5 at their "
                                             "next resync")
                                  .arg(out.policy.autoLockSeconds)
                                  .arg(out.policy.eraseAfter)
                                  .arg(out.policy.version)
                                  .arg(out.queuedTo.size())
                                  .arg(out.notYet.size()));
        !s)
        return std::unexpected(s.error());
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    return out;
}

Result<PinRollover> DeskPolicy::setRelayPins(streams::StreamOutbox &outbox,
                                             const QList<protocol::RelayPin> &pins)
{
    if (pins.isEmpty() || pins.size() > protocol::kEnrolMaxPins)
        return fail(Errc::InvalidArgument, QStringLiteral("1 to %1 relay pins, not %2")
                                               .arg(protocol::kEnrolMaxPins)
                                               .arg(pins.size()));
    for (qsizetype i = 0; i < pins.size(); ++i)
        if (pins.indexOf(pins[i]) != i)
            return fail(Errc::InvalidArgument, QStringLiteral("relay pin %1 is given twice")
                                                   .arg(QString::fromLatin1(pins[i].toHex())));
    store::Database &db = m_desk.database();
    store::Transaction tx(db);
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto row = readRow(db);
    if (!row)
        return std::unexpected(row.error());
    const PolicyRow old = row->value_or(PolicyRow{});

    PinRollover out;
    out.previousPins = m_desk.config().relayPins;
    for (const protocol::RelayPin &p : pins)
        out.pins.append(QString::fromLatin1(p.toHex()));
    out.policy.version = old.version + 1;
    out.policy.autoLockSeconds = old.autoLockSeconds;
    out.policy.eraseAfter = old.eraseAfter;
    out.policy.relayPins = pins;

    auto cfg = db.prepare("UPDATE desk_config SET relay_pins = ?1 WHERE id = 1");
    if (!cfg)
        return std::unexpected(cfg.error());
    if (auto s = cfg->bind(1, encodeRelayPins(out.pins)).exec(); !s)
        return std::unexpected(s.error());
    if (auto s = saveAndQueue(outbox, out.policy, out.previousPins, out.queuedTo, out.notYet); !s)
        return std::unexpected(s.error());
    if (auto s = m_desk.audit(QStringLiteral("relay.pins.set"), QString(),
                              QStringLiteral("%1 pin(s), policy version %2, queued for %3 "
                                             "device(s), %4 at their next resync")
                                  .arg(out.pins.size())
                                  .arg(out.policy.version)
                                  .arg(out.queuedTo.size())
                                  .arg(out.notYet.size()));
        !s)
        return std::unexpected(s.error());
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    if (auto s = m_desk.reloadConfig(); !s)
        return std::unexpected(s.error());
    return out;
}

} // namespace liaison::desk
