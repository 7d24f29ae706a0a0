#include "desk/devicecommands.h"

#include <QEventLoop>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTimer>

Q_LOGGING_CATEGORY(lcDeskDevices, "liaison.desk.devices")

namespace liaison::desk {

namespace {

QString hexId(const crypto::Id16 &id)
{
    return QString::fromLatin1(id.toHex());
}

QString shortId(const crypto::Id16 &id)
{
    return hexId(id).left(8);
}

} // namespace

DeviceCommands::DeviceCommands(DeskStore &desk, DeskRelay &relay)
    : m_desk(desk)
    , m_relay(relay)
    , m_wipes(desk)
{}

Result<hq::DeviceRecord> DeviceCommands::find(const QString &idOrPrefix) const
{
    const QString prefix = idOrPrefix.trimmed().toLower();
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{4,32}$"));
    if (!hex.match(prefix).hasMatch())
        return fail(
            Errc::InvalidArgument,
            QStringLiteral("\"%1\" is not a device id (4 to 32 hex digits)").arg(idOrPrefix));
    auto all = m_desk.registry().devices();
    if (!all)
        return std::unexpected(all.error());
    std::optional<hq::DeviceRecord> found;
    for (const hq::DeviceRecord &d : *all) {
        if (!hexId(d.id).startsWith(prefix))
            continue;
        if (found)
            return fail(
                Errc::InvalidArgument,
                QStringLiteral("%1 names more than one device: give more digits").arg(idOrPrefix));
        found = d;
    }
    if (!found)
        return fail(Errc::NotFound, QStringLiteral("no device %1").arg(idOrPrefix));
    return *found;
}

Result<DeviceCommands::Outcome> DeviceCommands::revokeLocal(const crypto::Id16 &device)
{
    store::Transaction tx(m_desk.database());
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no device %1").arg(hexId(device)));
    Outcome out;
    out.device = **record;
    if (out.device.state == streams::PeerState::Revoked)
        return fail(Errc::Refused,
                    QStringLiteral("device %1 is revoked already").arg(shortId(device)));
    auto scopes = m_desk.registry().scopesOf(device);
    if (!scopes)
        return std::unexpected(scopes.error());
    out.droppedScopes = *scopes;
    // A device never confirmed holds nothing and has no stream: it is simply revoked.
    out.state = out.device.state == streams::PeerState::Pending ? streams::PeerState::Revoked
                                                                : streams::PeerState::WipeOnly;
    // Memberships are dropped in the same call (DeviceRegistry::setState): from here on the
    // fan-out finds no member and the outbox seals nothing for it but the WIPE.
    if (auto s = m_desk.registry().setState(device, out.state); !s)
        return std::unexpected(s.error());
    if (auto s = m_wipes.markRevoked(device); !s)
        return std::unexpected(s.error());
    if (out.state == streams::PeerState::WipeOnly) {
        auto w = m_wipes.order(m_relay.outbox(), device);
        if (!w)
            return std::unexpected(w.error());
        out.wipe = *w;
    }
    QString detail =
        QStringLiteral("%1 -> %2; memberships dropped: %3")
            .arg(QString::number(int(out.device.state)), QString::number(int(out.state)),
                 out.droppedScopes.isEmpty() ? QStringLiteral("none")
                                             : out.droppedScopes.join(QLatin1Char(',')));
    if (out.wipe)
        detail += QStringLiteral("; wipe command %1%2")
                      .arg(shortId(*out.wipe->commandId),
                           out.wipe->sentOnDown ? QStringLiteral(" on down") : QString());
    if (auto s = m_desk.audit(QStringLiteral("device.revoke"), hexId(device), detail); !s)
        return std::unexpected(s.error());
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    qCInfo(lcDeskDevices).noquote() << "revoked" << shortId(device);
    return out;
}

Result<DeviceCommands::Outcome> DeviceCommands::wipeLocal(const crypto::Id16 &device)
{
    store::Transaction tx(m_desk.database());
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no device %1").arg(hexId(device)));
    Outcome out;
    out.device = **record;
    out.state = out.device.state;
    if (out.device.state == streams::PeerState::Pending ||
        out.device.state == streams::PeerState::Revoked)
        return fail(
            Errc::Refused,
            QStringLiteral("device %1 is %2: there is nothing to wipe")
                .arg(shortId(device), out.device.state == streams::PeerState::Pending
                                          ? QStringLiteral("not enrolled yet (revoke cancels it)")
                                          : QStringLiteral("revoked")));
    auto w = m_wipes.order(m_relay.outbox(), device);
    if (!w)
        return std::unexpected(w.error());
    out.wipe = *w;
    if (auto s = m_desk.audit(QStringLiteral("device.wipe"), hexId(device),
                              QStringLiteral("wipe command %1%2")
                                  .arg(shortId(*w->commandId),
                                       w->sentOnDown ? QStringLiteral(" on down") : QString()));
        !s)
        return std::unexpected(s.error());
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    qCInfo(lcDeskDevices).noquote() << "wipe ordered for" << shortId(device);
    return out;
}

Result<DeviceCommands::Replacement> DeviceCommands::replace(DeskEnrolment &enrolment,
                                                            const crypto::Id16 &device,
                                                            const QString &label, qint64 validityMs,
                                                            int timeoutMs)
{
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no device %1").arg(hexId(device)));
    auto existing = enrolment.replacementOf(device);
    if (!existing)
        return std::unexpected(existing.error());
    if (*existing)
        return fail(Errc::Refused,
                    QStringLiteral("device %1 is revoked and replaced already, by device %2 "
                                   "(%3); cancel that enrolment first to replace it again")
                        .arg(shortId(device), shortId((*existing)->device),
                             QLatin1String(enrolmentStateName((*existing)->state))));
    Replacement out;
    auto scopes = m_desk.registry().scopesOf(device);
    if (!scopes)
        return std::unexpected(scopes.error());
    out.scopes = *scopes;
    if (out.scopes.isEmpty()) {
        // Revoked before: its memberships are gone, the scopes it was enrolled with are kept.
        auto enrolled = enrolment.enrolment(device);
        if (!enrolled)
            return std::unexpected(enrolled.error());
        if (*enrolled && (*enrolled)->state == EnrolmentState::Confirmed)
            out.scopes = (*enrolled)->scopes;
    }
    if (out.scopes.isEmpty())
        return fail(Errc::Refused,
                    QStringLiteral("the scopes of device %1 are not known any more (it was "
                                   "revoked and not enrolled at this desk): use device add "
                                   "--scope")
                        .arg(shortId(device)));
    if ((*record)->state == streams::PeerState::Revoked) {
        out.revokedNow = false;
        out.revocation.device = **record;
        out.revocation.state = streams::PeerState::Revoked;
        out.revocation.relayDone = true;
    } else {
        auto revoked = revokeLocal(device);
        if (!revoked)
            return std::unexpected(revoked.error());
        out.revocation = std::move(*revoked);
        finishAtRelay(out.revocation, timeoutMs);
        if (!out.revocation.relayDone)
            return out;
    }
    const QString newLabel = label.isEmpty() ? (*record)->label : label;
    auto added = enrolment.add(m_relay, out.scopes, newLabel, validityMs, device);
    if (!added)
        return fail(added.error().code,
                    QStringLiteral("device %1 is revoked, but its replacement's enrolment failed "
                                   "(run device replace again): %2")
                        .arg(shortId(device), added.error().message));
    out.enrolment = std::move(*added);
    qCInfo(lcDeskDevices).noquote()
        << "replacing" << shortId(device) << "by" << shortId(out.enrolment->device);
    return out;
}

Result<client::RelayReply>
DeviceCommands::relayCall(const std::function<void(client::HqTransport::ReplyCallback)> &call,
                          const QString &what, int timeoutMs)
{
    std::optional<client::RelayReply> got;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    call([&](const client::RelayReply &r) {
        got = r;
        loop.quit();
    });
    if (!got) {
        timer.start(timeoutMs);
        loop.exec();
    }
    if (!got)
        return fail(Errc::Network, QStringLiteral("%1: no answer from the relay").arg(what));
    return *got;
}

Status DeviceCommands::relayOk(const std::function<void(client::HqTransport::ReplyCallback)> &call,
                               const QString &what, int timeoutMs)
{
    auto r = relayCall(call, what, timeoutMs);
    if (!r)
        return std::unexpected(r.error());
    if (!r->ok())
        return fail(r->transient() ? Errc::Network : Errc::Refused,
                    QStringLiteral("%1: %2").arg(what, r->describe()));
    return {};
}

Status DeviceCommands::setRelayState(const hq::DeviceRecord &device, client::RelayDeviceState state,
                                     int timeoutMs)
{
    auto version = m_wipes.nextRelayVersion(device.id);
    if (!version)
        return std::unexpected(version.error());
    return relayOk(
        [&](auto cb) {
            m_relay.transport().putDevice(device.id, device.signKey, state, *version, cb);
        },
        QStringLiteral("setting the device %1 at the relay")
            .arg(QString::fromLatin1(client::relayDeviceStateName(state))),
        timeoutMs);
}

Status DeviceCommands::publishToken(const crypto::Id16 &device, int timeoutMs)
{
    auto target = m_wipes.target(device);
    if (!target)
        return std::unexpected(target.error());
    auto token = m_wipes.token(device);
    if (!token)
        return std::unexpected(token.error());
    const QByteArray bytes = token->encode();
    if (auto s =
            relayOk([&](auto cb) { m_relay.transport().putWipeToken(target->wipeId, bytes, cb); },
                    QStringLiteral("publishing the wipe token"), timeoutMs);
        !s)
        return s;
    return m_wipes.markTokenPublished(device);
}

void DeviceCommands::finishAtRelay(Outcome &outcome, int timeoutMs)
{
    QStringList errors;
    const crypto::Id16 &id = outcome.device.id;
    if (auto s = m_relay.installCertificate(timeoutMs); !s) {
        outcome.relayError = s.error().message;
        return;
    }
    if (outcome.state == streams::PeerState::WipeOnly) {
        if (auto s = setRelayState(outcome.device, client::RelayDeviceState::WipeOnly, timeoutMs);
            !s)
            errors.append(s.error().message);
    } else if (outcome.state == streams::PeerState::Revoked &&
               outcome.device.state != streams::PeerState::Pending) {
        if (auto s = setRelayState(outcome.device, client::RelayDeviceState::Revoked, timeoutMs);
            !s)
            errors.append(s.error().message);
    }
    if (outcome.wipe) {
        if (auto s = publishToken(id, timeoutMs); !s) {
            // A device enrolled without a wipe id is reached by the WIPE on `down` only.
            if (s.error().code != Errc::NotFound || !outcome.wipe->sentOnDown)
                errors.append(s.error().message);
        }
        auto round = m_relay.syncOnce(timeoutMs);
        if (!round)
            errors.append(round.error().message);
        else
            outcome.delivered = round->delivered;
        if (auto w = m_wipes.status(id); w && *w)
            outcome.wipe = **w;
    }
    outcome.relayDone = errors.isEmpty();
    outcome.relayError = errors.join(QStringLiteral("; "));
}

Status DeviceCommands::revokeAfterWipe(const crypto::Id16 &device, const QString &why)
{
    store::Transaction tx(m_desk.database());
    if (auto s = tx.begin(); !s)
        return s;
    if (auto s = m_desk.registry().setState(device, streams::PeerState::Revoked); !s)
        return s;
    if (auto s = m_wipes.markRevoked(device); !s)
        return s;
    if (auto s = m_desk.audit(QStringLiteral("device.revoked"), hexId(device), why); !s)
        return s;
    return tx.commit();
}

Result<DeviceCommands::FollowUp> DeviceCommands::followUp(int timeoutMs)
{
    FollowUp out;
    auto all = m_wipes.all();
    if (!all)
        return std::unexpected(all.error());
    const qint64 now = m_desk.clock().wallMs();
    for (const WipeStatus &w : *all) {
        auto record = m_desk.registry().device(w.device);
        if (!record)
            return std::unexpected(record.error());
        if (!*record)
            continue;
        const hq::DeviceRecord &d = **record;
        const bool outstanding = w.commandId && !w.wiped() && w.notAfterMs > now;
        if (outstanding && w.wipeId && w.tokenPublishedMs == 0) {
            // A revocation whose relay half never ran (the desk was stopped after the local
            // half): the device goes wipe-only at the relay before its token is published.
            if (d.state == streams::PeerState::WipeOnly) {
                if (auto s = setRelayState(d, client::RelayDeviceState::WipeOnly, timeoutMs); !s)
                    out.problems.append(
                        QStringLiteral("%1: %2").arg(shortId(w.device), s.error().message));
            }
            if (auto s = publishToken(w.device, timeoutMs); !s)
                out.problems.append(
                    QStringLiteral("%1: wipe token: %2").arg(shortId(w.device), s.error().message));
            else
                ++out.tokensPublished;
        }
        if (outstanding && w.wipeId) {
            auto reply = relayCall([&](auto cb) { m_relay.transport().getWipeDone(*w.wipeId, cb); },
                                   QStringLiteral("reading the wipe acknowledgement"), timeoutMs);
            if (!reply) {
                out.problems.append(
                    QStringLiteral("%1: %2").arg(shortId(w.device), reply.error().message));
            } else if (reply->status == 404) {
                // Not acknowledged yet.
            } else if (!reply->ok()) {
                out.problems.append(QStringLiteral("%1: reading the wipe acknowledgement: %2")
                                        .arg(shortId(w.device), reply->describe()));
            } else if (auto s = m_wipes.takeAcknowledgement(w.device, reply->body); !s) {
                // The relay is not trusted: what does not verify here is not a wipe.
                out.problems.append(QStringLiteral("%1: the acknowledgement at the relay is not "
                                                   "believed: %2")
                                        .arg(shortId(w.device), s.error().message));
            } else {
                ++out.acknowledged;
                if (auto a = m_desk.audit(QStringLiteral("device.wiped"), hexId(w.device),
                                          QStringLiteral("verified acknowledgement of command %1")
                                              .arg(shortId(*w.commandId)));
                    !a)
                    return std::unexpected(a.error());
                if (d.state != streams::PeerState::Revoked) {
                    if (auto s = revokeAfterWipe(w.device, QStringLiteral("wiped")); !s)
                        return std::unexpected(s.error());
                    ++out.revoked;
                    if (auto s = setRelayState(d, client::RelayDeviceState::Revoked, timeoutMs); !s)
                        out.problems.append(
                            QStringLiteral("%1: %2").arg(shortId(w.device), s.error().message));
                }
                continue;
            }
        }
        if (d.state == streams::PeerState::WipeOnly && w.revokedMs != 0 &&
            now - w.revokedMs >= kWipeOnlyMaxMs) {
            if (auto s = revokeAfterWipe(
                    w.device, QStringLiteral("30 days wipe-only without acknowledgement"));
                !s)
                return std::unexpected(s.error());
            ++out.revoked;
            if (auto s = setRelayState(d, client::RelayDeviceState::Revoked, timeoutMs); !s)
                out.problems.append(
                    QStringLiteral("%1: %2").arg(shortId(w.device), s.error().message));
        }
    }
    return out;
}

Status DeviceCommands::release(const crypto::Id16 &device)
{
    auto record = m_desk.registry().device(device);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no device %1").arg(hexId(device)));
    if ((*record)->state != streams::PeerState::Active)
        return fail(Errc::Refused,
                    QStringLiteral("device %1 is not active: a revoked device is never released")
                        .arg(shortId(device)));
    auto state = m_relay.receiver().state(device);
    if (!state)
        return std::unexpected(state.error());
    if (!*state || !(*state)->frozen)
        return fail(Errc::Refused,
                    QStringLiteral("device %1 is not in quarantine").arg(shortId(device)));
    // The receiver's own transaction unfreezes `up` and seals the RESYNC; the audit follows.
    auto env = m_relay.receiver().release(device);
    if (!env)
        return std::unexpected(env.error());
    return m_desk.audit(QStringLiteral("device.release"), hexId(device),
                        QStringLiteral("RESYNC epoch %1").arg(env->stream.epoch));
}

} // namespace liaison::desk
