#include "desk/enrolment.h"

#include "client/relayhttp.h"
#include "desk/deskrelay.h"
#include "desk/remotewipe.h"
#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDeskEnrol, "liaison.desk.enrol")

namespace liaison::desk {

namespace {

// A device's first box key (DESIGN.md "Keys": box-key epochs; rotation comes later).
constexpr std::uint32_t kDeviceFirstBoxKeyId = 1;
constexpr int kRelayTimeoutMs = 30000;

QString idText(const crypto::Id16 &id)
{
    return QString::fromLatin1(id.toHex());
}

QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

constexpr const char *kColumns =
    "device_id, label, scopes, created_ms, expires_ms, updated_ms, state, reason, transcript, "
    "wipe_id, relay_registered, replaces";

Result<Enrolment> readRow(const store::Statement &st)
{
    Enrolment e;
    const auto id = crypto::Id16::fromBytes(st.columnBlob(0));
    if (!id)
        return fail(Errc::Tampered, QStringLiteral("an enrolment row has a damaged device id"));
    e.device = *id;
    e.label = st.columnText(1);
    const QString scopes = st.columnText(2);
    e.scopes = scopes.isEmpty() ? QStringList() : scopes.split(QLatin1Char('\n'));
    e.createdMs = st.columnInt64(3);
    e.expiresMs = st.columnInt64(4);
    e.updatedMs = st.columnInt64(5);
    const int state = st.columnInt(6);
    if (state < 1 || state > 5)
        return fail(Errc::Tampered, QStringLiteral("an enrolment row has an unknown state"));
    e.state = EnrolmentState(state);
    e.reason = st.columnText(7);
    if (!st.columnIsNull(8)) {
        auto t = protocol::EnrolmentTranscript::decode(st.columnBlob(8));
        if (!t)
            return fail(Errc::Tampered,
                        QStringLiteral("an enrolment row has a damaged transcript"));
        e.transcript = *t;
    }
    if (!st.columnIsNull(9))
        e.wipeId = crypto::Id16::fromBytes(st.columnBlob(9));
    e.relayRegistered = st.columnInt(10) != 0;
    if (!st.columnIsNull(11)) {
        e.replaces = crypto::Id16::fromBytes(st.columnBlob(11));
        if (!e.replaces)
            return fail(Errc::Tampered,
                        QStringLiteral("an enrolment row has a damaged replaced device id"));
    }
    return e;
}

// PUT /v1/enrol/{id}: the slot for `device` with this token hash and expiry (`what` names the
// step in errors).
Status putSlot(DeskRelay &relay, const crypto::Id16 &device, const crypto::Hash32 &tokenHash,
               std::int64_t expiresMs, const QString &what)
{
    return relay.adminCall(
        [&](auto cb) { relay.transport().putEnrolSlot(device, tokenHash, expiresMs, cb); }, what,
        kRelayTimeoutMs);
}

// GET /v1/enrol/{id}: the submissions (nullopt when the relay has no slot for the device).
Result<std::optional<QList<QByteArray>>> fetchSubmissions(DeskRelay &relay,
                                                          const crypto::Id16 &device)
{
    const QString what = QStringLiteral("reading submissions");
    auto got = relay.call([&](auto cb) { relay.transport().getEnrolSubmissions(device, cb); }, what,
                          kRelayTimeoutMs);
    if (!got)
        return std::unexpected(got.error());
    if (got->status == 404)
        return std::optional<QList<QByteArray>>();
    if (!got->ok())
        return fail(got->transient() ? Errc::Network : Errc::Refused,
                    QStringLiteral("%1: %2").arg(what, got->describe()));
    const QJsonDocument doc = QJsonDocument::fromJson(got->body);
    const QJsonValue subs = doc.object().value(QStringLiteral("submissions"));
    if (!doc.isObject() || !subs.isArray())
        return fail(Errc::Malformed, QStringLiteral("the relay's submission list does not parse"));
    QList<QByteArray> out;
    for (const QJsonValue &v : subs.toArray()) {
        // Anything that is not base64 stays undecodable bytes: the opener refuses it.
        out.append(QByteArray::fromBase64(v.toString().toLatin1()));
    }
    return std::optional<QList<QByteArray>>(out);
}

} // namespace

const char *enrolmentStateName(EnrolmentState state)
{
    switch (state) {
    case EnrolmentState::Pending:
        return "pending";
    case EnrolmentState::Verifying:
        return "verifying";
    case EnrolmentState::Confirmed:
        return "confirmed";
    case EnrolmentState::Cancelled:
        return "cancelled";
    case EnrolmentState::Expired:
        return "expired";
    }
    return "unknown";
}

Status createEnrolmentTable(store::Database &db)
{
    return db.execute(
        "CREATE TABLE desk_enrolment (device_id BLOB PRIMARY KEY, label TEXT NOT NULL, "
        "scopes TEXT NOT NULL, mac_key BLOB, created_ms INTEGER NOT NULL, "
        "expires_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, state INTEGER NOT NULL, "
        "reason TEXT NOT NULL DEFAULT '', transcript BLOB, submission_hash BLOB, wipe_id BLOB, "
        "relay_registered INTEGER NOT NULL DEFAULT 0)");
}

Status addEnrolmentReplacesColumn(store::Database &db)
{
    return db.execute("ALTER TABLE desk_enrolment ADD COLUMN replaces BLOB");
}

Result<std::optional<crypto::Id16>> enrolledWipeId(store::Database &db, const crypto::Id16 &device)
{
    auto st = db.prepare("SELECT wipe_id FROM desk_enrolment WHERE device_id = ?1 AND state = 3");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row || st->columnIsNull(0))
        return std::optional<crypto::Id16>();
    return crypto::Id16::fromBytes(st->columnBlob(0));
}

DeskEnrolment::DeskEnrolment(DeskStore &desk)
    : m_desk(desk)
{}

Result<NewEnrolment> DeskEnrolment::add(DeskRelay &relay, const QStringList &scopes,
                                        const QString &label, qint64 validityMs,
                                        std::optional<crypto::Id16> replaces)
{
    const DeskConfig &config = m_desk.config();
    if (!config.certificate)
        return fail(Errc::NotFound,
                    QStringLiteral("the desk has no certificate yet (liaison-hq cert issue)"));
    if (validityMs <= 0 || validityMs > protocol::kEnrolMaxValidityMs)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("an enrolment code is valid for at most 72 hours"));
    if (scopes.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("a device needs at least one scope"));
    for (const QString &s : scopes) {
        auto has = m_desk.hasScope(s);
        if (!has)
            return std::unexpected(has.error());
        if (!*has)
            return fail(
                Errc::NotFound,
                QStringLiteral("scope \"%1\" is not declared (liaison-hq scope add)").arg(s));
    }
    QList<protocol::RelayPin> pins;
    for (const QString &p : config.relayPins) {
        const auto pin = client::parseSpkiPin(p.toLatin1());
        if (!pin)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("the desk's relay pin does not parse"));
        pins.append(*protocol::RelayPin::fromBytes(pin->view()));
    }
    const qint64 now = m_desk.clock().wallMs();
    const crypto::Id16 device = crypto::randomFixed<crypto::Id16>();
    protocol::EnrolmentCode code =
        protocol::newEnrolmentCode(config.deployment, config.relayUrl, pins, config.rootKey, device,
                                   now + validityMs, m_desk.identity().box.publicKey, kHqBoxKeyId);
    auto text = protocol::encodeEnrolmentCode(code);
    if (!text)
        return std::unexpected(text.error());
    const crypto::SymmetricKey token = protocol::enrolmentRelayToken(code.secret);
    const crypto::SymmetricKey mac = protocol::enrolmentMacKey(code.secret);
    code.secret.wipe();

    // The relay first: a slot without a desk row is harmless (it expires), a row without a slot
    // would be a code that cannot work.
    if (auto s = relay.installCertificate(kRelayTimeoutMs); !s)
        return std::unexpected(s.error());
    if (auto s = putSlot(relay, device, protocol::enrolmentTokenHash(token), code.expiresMs,
                         QStringLiteral("registering the code at the relay"));
        !s)
        return std::unexpected(s.error());

    store::Database &db = m_desk.database();
    store::Transaction tx(db);
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto st = db.prepare("INSERT INTO desk_enrolment (device_id, label, scopes, mac_key, "
                         "created_ms, expires_ms, updated_ms, state, replaces) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, 1, ?7)");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view())
        .bind(2, nonNull(label))
        .bind(3, scopes.join(QLatin1Char('\n')))
        .bind(4, mac.bytes())
        .bind(5, now)
        .bind(6, code.expiresMs);
    if (replaces)
        st->bind(7, replaces->view());
    else
        st->bindNull(7);
    if (auto s = st->exec(); !s)
        return std::unexpected(s.error());
    if (replaces) {
        if (auto s = m_desk.audit(QStringLiteral("device.replace"), idText(*replaces),
                                  QStringLiteral("by %1; %2 scope(s)")
                                      .arg(idText(device).left(8))
                                      .arg(scopes.size()));
            !s)
            return std::unexpected(s.error());
    }
    if (auto s = m_desk.audit(QStringLiteral("device.add"), idText(device),
                              QStringLiteral("%1 scope(s), expires in %2 min")
                                  .arg(scopes.size())
                                  .arg(validityMs / 60000));
        !s)
        return std::unexpected(s.error());
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    return NewEnrolment{device, *text, code.expiresMs};
}

Result<std::optional<Enrolment>> DeskEnrolment::enrolment(const crypto::Id16 &device) const
{
    const QByteArray sql =
        QByteArray("SELECT ") + kColumns + " FROM desk_enrolment WHERE device_id = ?1";
    auto st = m_desk.database().prepare(sql.constData());
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<Enrolment>();
    auto e = readRow(*st);
    if (!e)
        return std::unexpected(e.error());
    return std::optional<Enrolment>(*e);
}

Result<QList<Enrolment>> DeskEnrolment::enrolments() const
{
    const QByteArray sql = QByteArray("SELECT ") + kColumns +
                           " FROM desk_enrolment ORDER BY created_ms DESC, device_id";
    auto st = m_desk.database().prepare(sql.constData());
    if (!st)
        return std::unexpected(st.error());
    QList<Enrolment> out;
    while (true) {
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        auto e = readRow(*st);
        if (!e)
            return std::unexpected(e.error());
        out.append(*e);
    }
    return out;
}

Result<std::optional<Enrolment>> DeskEnrolment::replacementOf(const crypto::Id16 &device) const
{
    const QByteArray sql = QByteArray("SELECT ") + kColumns +
                           " FROM desk_enrolment WHERE replaces = ?1 AND (state = 3 OR "
                           "(state IN (1, 2) AND expires_ms > ?2)) ORDER BY created_ms DESC";
    auto st = m_desk.database().prepare(sql.constData());
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view()).bind(2, m_desk.clock().wallMs());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<Enrolment>();
    auto e = readRow(*st);
    if (!e)
        return std::unexpected(e.error());
    return std::optional<Enrolment>(*e);
}

Status DeskEnrolment::setEnded(const crypto::Id16 &device, EnrolmentState state,
                               const QString &reason)
{
    // mac_key goes with the enrolment: nothing can be verified with it any more.
    auto st = m_desk.database().prepare("UPDATE desk_enrolment SET state = ?2, reason = ?3, "
                                        "updated_ms = ?4, mac_key = NULL WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, device.view())
        .bind(2, int(state))
        .bind(3, nonNull(reason))
        .bind(4, m_desk.clock().wallMs());
    return st->exec();
}

Status DeskEnrolment::cancel(const crypto::Id16 &device, const QString &reason)
{
    auto e = enrolment(device);
    if (!e)
        return std::unexpected(e.error());
    if (!*e)
        return fail(Errc::NotFound,
                    QStringLiteral("no enrolment for device %1").arg(idText(device)));
    if ((*e)->state != EnrolmentState::Pending && (*e)->state != EnrolmentState::Verifying)
        return fail(Errc::Refused, QStringLiteral("the enrolment is %1, not open")
                                       .arg(QLatin1String(enrolmentStateName((*e)->state))));
    store::Transaction tx(m_desk.database());
    if (auto s = tx.begin(); !s)
        return s;
    if (auto s = setEnded(device, EnrolmentState::Cancelled, reason); !s)
        return s;
    if (auto s = m_desk.audit(QStringLiteral("device.enrol.cancel"), idText(device), reason); !s)
        return s;
    return tx.commit();
}

Status DeskEnrolment::closeAtRelay(DeskRelay &relay, const crypto::Id16 &device)
{
    auto e = enrolment(device);
    if (!e)
        return std::unexpected(e.error());
    if (!*e)
        return fail(Errc::NotFound,
                    QStringLiteral("no enrolment for device %1").arg(idText(device)));
    // An expired slot refuses the code already (403 expired); the relay takes no expiry in the
    // past.
    if ((*e)->expiresMs <= m_desk.clock().wallMs())
        return {};
    // A token nobody holds: the relay drops the stored submissions and answers the code's token
    // with 401 from now on.
    crypto::SymmetricKey nobody = crypto::SymmetricKey::random();
    if (auto s = putSlot(relay, device, protocol::enrolmentTokenHash(nobody), (*e)->expiresMs,
                         QStringLiteral("closing the code's slot at the relay"));
        !s)
        return s;
    return m_desk.audit(QStringLiteral("device.enrol.relay.close"), idText(device));
}

Result<CollectReport> DeskEnrolment::collect(DeskRelay &relay, std::optional<crypto::Id16> only)
{
    CollectReport report;
    auto all = enrolments();
    if (!all)
        return std::unexpected(all.error());
    const DeskConfig &config = m_desk.config();
    store::Database &db = m_desk.database();
    for (const Enrolment &e : *all) {
        if (only && e.device != *only)
            continue;
        if (e.state != EnrolmentState::Pending && e.state != EnrolmentState::Verifying)
            continue;
        ++report.devices;
        const qint64 now = m_desk.clock().wallMs();
        const QString id = idText(e.device);
        if (now > e.expiresMs) {
            store::Transaction tx(db);
            if (auto s = tx.begin(); !s)
                return std::unexpected(s.error());
            const QString why = QStringLiteral("the code expired before it was confirmed");
            if (auto s = setEnded(e.device, EnrolmentState::Expired, why); !s)
                return std::unexpected(s.error());
            if (auto s = m_desk.audit(QStringLiteral("device.enrol.expire"), id); !s)
                return std::unexpected(s.error());
            if (auto s = tx.commit(); !s)
                return std::unexpected(s.error());
            ++report.expired;
            report.notes.append(QStringLiteral("%1: %2").arg(id, why));
            continue;
        }
        auto subs = fetchSubmissions(relay, e.device);
        if (!subs)
            return std::unexpected(subs.error());
        if (!*subs) {
            report.notes.append(
                QStringLiteral("%1: the relay has no slot for this device").arg(id));
            continue;
        }
        // The keys to open with: mac_key and the submission already taken.
        auto st =
            db.prepare("SELECT mac_key, submission_hash FROM desk_enrolment WHERE device_id = ?1");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, e.device.view());
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row || st->columnIsNull(0))
            continue;
        const crypto::SymmetricKey mac(st->columnSecret(0));
        std::optional<crypto::Hash32> taken;
        if (!st->columnIsNull(1))
            taken = crypto::Hash32::fromBytes(st->columnBlob(1));
        st->reset();
        if (!mac.isValid())
            return fail(Errc::Tampered, QStringLiteral("an enrolment's MAC key is damaged"));

        protocol::EnrolmentExpectation expect;
        expect.deployment = config.deployment;
        expect.device = e.device;
        expect.rootKey = config.rootKey;
        expect.hqSignKey = m_desk.identity().sign.publicKey;
        expect.hqBoxKey = m_desk.identity().box.publicKey;
        if (config.certificate)
            expect.certificateHashes.append(
                crypto::crypto_generichash(config.certificate->encode()));
        expect.expiresMs = e.expiresMs;

        std::optional<protocol::EnrolmentTranscript> verified;
        std::optional<crypto::Hash32> verifiedHash;
        QString cancelWhy;
        for (const QByteArray &bytes : **subs) {
            ++report.submissions;
            const crypto::Hash32 h = crypto::crypto_generichash(bytes);
            if (taken && h == *taken)
                continue; // the one already verified
            auto t =
                protocol::openEnrolmentSubmission(bytes, m_desk.identity().box, mac, expect, now);
            if (!t) {
                ++report.refused;
                report.notes.append(
                    QStringLiteral("%1: submission refused: %2").arg(id, t.error().message));
                if (auto s =
                        m_desk.audit(QStringLiteral("device.enrol.refuse"), id, t.error().message);
                    !s)
                    return std::unexpected(s.error());
                continue;
            }
            if (taken || verified) {
                cancelWhy = QStringLiteral("the enrolment code was used twice (two different "
                                           "valid submissions): HQ cannot tell which is the "
                                           "officer's device");
                break;
            }
            verified = *t;
            verifiedHash = h;
        }
        store::Transaction tx(db);
        if (auto s = tx.begin(); !s)
            return std::unexpected(s.error());
        if (!cancelWhy.isEmpty()) {
            if (auto s = setEnded(e.device, EnrolmentState::Cancelled, cancelWhy); !s)
                return std::unexpected(s.error());
            if (auto s = m_desk.audit(QStringLiteral("device.enrol.cancel"), id,
                                      QStringLiteral("code used twice"));
                !s)
                return std::unexpected(s.error());
            ++report.cancelled;
            report.notes.append(QStringLiteral("%1: cancelled: %2").arg(id, cancelWhy));
        } else if (verified) {
            auto up = db.prepare("UPDATE desk_enrolment SET state = 2, transcript = ?2, "
                                 "submission_hash = ?3, updated_ms = ?4 WHERE device_id = ?1");
            if (!up)
                return std::unexpected(up.error());
            up->bind(1, e.device.view())
                .bind(2, verified->encode())
                .bind(3, verifiedHash->view())
                .bind(4, now);
            if (auto s = up->exec(); !s)
                return std::unexpected(s.error());
            if (auto s = m_desk.audit(QStringLiteral("device.enrol.verify"), id); !s)
                return std::unexpected(s.error());
            ++report.verifying;
        }
        if (auto s = tx.commit(); !s)
            return std::unexpected(s.error());
        // Whoever else holds the code must not go on submitting with it: close it at the relay
        // as `device cancel` does. The cancel holds at the desk whatever the relay says.
        if (!cancelWhy.isEmpty()) {
            if (auto s = closeAtRelay(relay, e.device); !s)
                report.notes.append(
                    QStringLiteral("%1: the code is still open at the relay: %2 (run `device "
                                   "cancel` again when the relay answers)")
                        .arg(id, s.error().message));
        }
    }
    return report;
}

Result<ConfirmReport> DeskEnrolment::confirm(DeskRelay &relay, const crypto::Id16 &device,
                                             QStringView typedNumber)
{
    auto found = enrolment(device);
    if (!found)
        return std::unexpected(found.error());
    if (!*found)
        return fail(Errc::NotFound,
                    QStringLiteral("no enrolment for device %1").arg(idText(device)));
    const Enrolment e = **found;
    ConfirmReport report;
    report.device = device;
    report.scopes = e.scopes;
    if (e.state == EnrolmentState::Confirmed) {
        if (e.relayRegistered)
            return fail(Errc::AlreadyExists, QStringLiteral("the device is already confirmed"));
        return finishAtRelay(relay, e, report); // an earlier confirm did not reach the relay
    }
    switch (e.state) {
    case EnrolmentState::Pending:
        return fail(Errc::Refused, QStringLiteral("no verified submission from the device yet "
                                                  "(it has not enrolled, or collect first)"));
    case EnrolmentState::Cancelled:
    case EnrolmentState::Expired:
        return fail(Errc::Refused, QStringLiteral("the enrolment is %1: %2")
                                       .arg(QLatin1String(enrolmentStateName(e.state)), e.reason));
    default:
        break;
    }
    const QString id = idText(device);
    store::Database &db = m_desk.database();
    const qint64 now = m_desk.clock().wallMs();
    if (now > e.expiresMs) {
        store::Transaction tx(db);
        if (auto s = tx.begin(); !s)
            return std::unexpected(s.error());
        const QString why = QStringLiteral("the code expired before it was confirmed");
        if (auto s = setEnded(device, EnrolmentState::Expired, why); !s)
            return std::unexpected(s.error());
        if (auto s = m_desk.audit(QStringLiteral("device.enrol.expire"), id); !s)
            return std::unexpected(s.error());
        if (auto s = tx.commit(); !s)
            return std::unexpected(s.error());
        return fail(Errc::Refused, why);
    }
    auto typed = protocol::parseSafetyNumber(typedNumber);
    if (!typed)
        return fail(Errc::InvalidArgument, typed.error().message);
    const protocol::SafetyNumber expected = *e.safetyNumber();
    if (!protocol::safetyNumberMatches(expected, typedNumber)) {
        store::Transaction tx(db);
        if (auto s = tx.begin(); !s)
            return std::unexpected(s.error());
        const QString why = QStringLiteral("the safety number did not match");
        if (auto s = setEnded(device, EnrolmentState::Cancelled, why); !s)
            return std::unexpected(s.error());
        if (auto s = m_desk.audit(QStringLiteral("device.enrol.mismatch"), id); !s)
            return std::unexpected(s.error());
        if (auto s = tx.commit(); !s)
            return std::unexpected(s.error());
        QString relayNote;
        if (auto s = closeAtRelay(relay, device); !s)
            relayNote =
                QStringLiteral("; the code is still open at the relay: %1").arg(s.error().message);
        return fail(Errc::Refused, QStringLiteral("the safety number does not match: the "
                                                  "enrolment is cancelled and the device is not "
                                                  "registered (make a new code)%1")
                                       .arg(relayNote));
    }

    // The match: everything at the desk in one transaction.
    const protocol::EnrolmentTranscript &t = *e.transcript;
    const crypto::Id16 wipeId = crypto::randomFixed<crypto::Id16>();
    {
        store::Transaction tx(db);
        if (auto s = tx.begin(); !s)
            return std::unexpected(s.error());
        hq::DeviceRecord rec;
        rec.id = device;
        rec.signKey = t.deviceSignKey;
        rec.boxKey = t.deviceBoxKey;
        rec.boxKeyId = kDeviceFirstBoxKeyId;
        rec.state = streams::PeerState::Active;
        rec.label = e.label;
        if (auto s = m_desk.registry().addDevice(rec); !s)
            return std::unexpected(s.error());
        // The RESYNC that opens the device's stream carries the scopes' snapshot: no SCOPE_JOIN.
        for (const QString &scope : e.scopes) {
            if (auto r = m_desk.registry().addMember(device, scope); !r)
                return std::unexpected(r.error());
        }
        auto st = db.prepare("UPDATE desk_enrolment SET state = 3, reason = '', mac_key = NULL, "
                             "wipe_id = ?2, updated_ms = ?3 WHERE device_id = ?1");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, device.view()).bind(2, wipeId.view()).bind(3, now);
        if (auto s = st->exec(); !s)
            return std::unexpected(s.error());
        // The wipe target (desk/remotewipe.h): wipe id and wipe-ack key, for the locked path.
        if (auto s = RemoteWipe(m_desk).registerTarget(device, wipeId, t.deviceWipeAckKey); !s)
            return std::unexpected(s.error());
        // RESYNC epoch 1 (reads the wipe id written above).
        if (auto r = relay.receiver().sendResync(device); !r)
            return std::unexpected(r.error());
        if (auto s = m_desk.audit(QStringLiteral("device.confirm"), id,
                                  QStringLiteral("%1 scope(s)").arg(e.scopes.size()));
            !s)
            return std::unexpected(s.error());
        if (auto s = tx.commit(); !s)
            return std::unexpected(s.error());
    }
    report.registeredNow = true;
    Enrolment confirmed = e;
    confirmed.state = EnrolmentState::Confirmed;
    confirmed.wipeId = wipeId;
    return finishAtRelay(relay, confirmed, report);
}

Result<ConfirmReport> DeskEnrolment::finishAtRelay(DeskRelay &relay, const Enrolment &e,
                                                   ConfirmReport report)
{
    const QString id = idText(e.device);
    auto rec = m_desk.registry().device(e.device);
    if (!rec)
        return std::unexpected(rec.error());
    if (!*rec)
        return fail(Errc::Internal, QStringLiteral("the confirmed device is not in the registry"));
    if (auto s = relay.installCertificate(kRelayTimeoutMs); !s) {
        report.relayError = s.error().message;
        return report;
    }
    // The relay ignores a version not above the last one: the same counter as revoke and wipe.
    auto version = RemoteWipe(m_desk).nextRelayVersion(e.device);
    if (!version)
        return std::unexpected(version.error());
    if (auto s = relay.putDevice(e.device, (*rec)->signKey, client::RelayDeviceState::Active,
                                 *version, kRelayTimeoutMs);
        !s) {
        report.relayError = s.error().message;
        return report;
    }
    {
        store::Transaction tx(m_desk.database());
        if (auto s = tx.begin(); !s)
            return std::unexpected(s.error());
        auto st = m_desk.database().prepare(
            "UPDATE desk_enrolment SET relay_registered = 1 WHERE device_id = ?1");
        if (!st)
            return std::unexpected(st.error());
        if (auto s = st->bind(1, e.device.view()).exec(); !s)
            return std::unexpected(s.error());
        if (auto s = m_desk.audit(QStringLiteral("device.relay.register"), id); !s)
            return std::unexpected(s.error());
        if (auto s = tx.commit(); !s)
            return std::unexpected(s.error());
    }
    report.relayRegistered = true;
    // The code is spent: its slot closes (a token nobody holds), so a second device posting the
    // same code is refused at once instead of waiting at the relay until the code expires.
    if (auto s = closeAtRelay(relay, e.device); !s)
        qCWarning(lcDeskEnrol).noquote()
            << "the confirmed code's slot is still open at the relay:" << s.error().message;
    auto round = relay.syncOnce();
    if (!round) {
        report.relayError = round.error().message;
        return report;
    }
    report.delivered = round->delivered;
    return report;
}

} // namespace liaison::desk
