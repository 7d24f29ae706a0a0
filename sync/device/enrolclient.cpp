#include "device/enrolclient.h"

#include "client/relayhttp.h"
#include "device/wipefile.h"
#include "protocol/hqcert.h"

#include <QDateTime>
#include <QDir>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcEnrol, "liaison.device.enrol")

namespace liaison::device {

const char *enrolOutcomeName(EnrolOutcome outcome)
{
    switch (outcome) {
    case EnrolOutcome::Confirmed:
        return "confirmed";
    case EnrolOutcome::DamagedCode:
        return "damaged_code";
    case EnrolOutcome::Expired:
        return "expired";
    case EnrolOutcome::Cancelled:
        return "cancelled";
    case EnrolOutcome::Unreachable:
        return "unreachable";
    case EnrolOutcome::TimedOut:
        return "timeout";
    case EnrolOutcome::Failed:
        return "failed";
    }
    return "failed";
}

namespace {

QString relayTime(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

EnrolClient::EnrolClient(QNetworkAccessManager *nam, vault::KeyStore &keyStore,
                         liaison::Clock &vaultClock, const liaison::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
    , m_keyStore(keyStore)
    , m_vaultClock(vaultClock)
    , m_clock(clock)
{
    m_tick.setInterval(500);
    connect(&m_tick, &QTimer::timeout, this, &EnrolClient::checkWaiting);
}

EnrolClient::~EnrolClient()
{
    if (m_sync)
        m_sync->stop();
    m_sync.reset();
    m_streams.reset();
    m_session.reset();
    if (m_vault)
        m_vault->lock();
}

void EnrolClient::start(crypto::SecretBytes codeText, const QString &vaultDir,
                        crypto::SecretBytes passphrase, EnrolOptions options)
{
    m_vaultDir = vaultDir;
    m_passphrase = std::move(passphrase);
    m_options = std::move(options);
    auto code = protocol::parseEnrolmentCode(codeText.view());
    codeText.wipe();
    // Always answer from the event loop, like every later step.
    QTimer::singleShot(0, this, [this, code = std::make_shared<decltype(code)>(std::move(code))] {
        if (!*code) {
            QString why = code->error().message;
            if (why.startsWith(QLatin1String("damaged ")))
                why = why.mid(8);
            return finish(EnrolOutcome::DamagedCode, QStringLiteral("damaged code %1").arg(why));
        }
        if (auto s = protocol::checkEnrolmentCodeFresh(**code, m_clock.wallMs()); !s)
            return finish(EnrolOutcome::Expired, s.error().message);
        m_code.emplace(std::move(**code));
        m_device = m_code->device;
        m_expiresMs = m_code->expiresMs;
        if (vault::Vault::exists(m_vaultDir))
            return finish(EnrolOutcome::Failed,
                          QStringLiteral("%1 already holds a vault: an enrolment makes a new one")
                              .arg(QDir::toNativeSeparators(m_vaultDir)));
        m_endpoint.baseUrl = QUrl(m_code->relayUrl, QUrl::StrictMode);
        m_endpoint.deployment = m_code->deployment;
        for (const protocol::RelayPin &pin : m_code->relayPins)
            m_endpoint.pins.append(*client::SpkiPin::fromBytes(pin.view()));
        m_endpoint.allowPlainHttpOnLoopback =
            m_endpoint.baseUrl.scheme().compare(QLatin1String("http"), Qt::CaseInsensitive) == 0;
        if (auto s = client::validateEndpoint(m_endpoint); !s)
            return finish(EnrolOutcome::Failed,
                          QStringLiteral("the relay address in the code is refused: %1")
                              .arg(s.error().message));
        m_http = std::make_unique<client::RelayHttp>(m_nam, m_endpoint,
                                                     [this] { return m_clock.wallMs(); });
        fetchCertificate();
    });
}

void EnrolClient::fetchCertificate()
{
    Q_EMIT progress(QStringLiteral("fetching HQ's certificate from %1")
                        .arg(m_endpoint.baseUrl.toString(QUrl::RemoveUserInfo)));
    m_http->call(
        "GET", "/v1/hq-cert", {}, std::nullopt, m_options.requestTimeoutMs,
        [this](const client::RelayReply &r) {
            if (r.pinRefused)
                return finish(EnrolOutcome::Failed,
                              QStringLiteral("the relay's TLS key is not the one the "
                                             "code pins"));
            if (r.status == 0)
                return finish(EnrolOutcome::Unreachable,
                              QStringLiteral("relay unreachable (%1)").arg(r.describe()));
            if (!r.ok())
                return finish(
                    EnrolOutcome::Failed,
                    QStringLiteral("the relay gives no HQ certificate (%1)").arg(r.describe()));
            auto cert = protocol::acceptEnrolmentCertificate(*m_code, r.body, m_clock.wallMs());
            if (!cert)
                return finish(
                    EnrolOutcome::Failed,
                    QStringLiteral("HQ's certificate is refused: %1").arg(cert.error().message));
            createAndSubmit(*cert);
        });
}

void EnrolClient::createAndSubmit(const protocol::HqCertificate &certificate)
{
    Q_EMIT progress(QStringLiteral("creating the vault"));
    vault::VaultOptions options = m_options.vault;
    options.database.migrations = deviceMigrations();
    options.createIdentity = true;
    auto created = vault::Vault::create(m_vaultDir, m_passphrase, m_keyStore, m_vaultClock,
                                        std::move(options));
    m_passphrase.wipe();
    if (!created)
        return finish(EnrolOutcome::Failed,
                      QStringLiteral("the vault was not created: %1").arg(created.error().message));
    m_vault = std::move(*created);
    m_createdVault = true;
    const vault::Identity &me = *m_vault->identity();
    // The wipe-ack key (DESIGN.md "Keys"): the secret half in the key store beside the pepper.
    auto wipeAck = createWipeAckKey(m_keyStore, m_device);
    if (!wipeAck) {
        discardVault();
        return finish(
            EnrolOutcome::Failed,
            QStringLiteral("the wipe-ack key was not stored: %1").arg(wipeAck.error().message));
    }
    const protocol::EnrolmentTranscript t = protocol::enrolmentTranscript(
        *m_code, certificate, me.sign.publicKey, me.box.publicKey, *wipeAck);
    QByteArray sealed;
    QByteArray tokenHeader;
    {
        const crypto::SymmetricKey mac = protocol::enrolmentMacKey(m_code->secret);
        auto s = protocol::sealEnrolmentSubmission(t, me.sign.secretKey, mac);
        if (!s) {
            discardVault();
            return finish(
                EnrolOutcome::Failed,
                QStringLiteral("the submission was not sealed: %1").arg(s.error().message));
        }
        sealed = std::move(*s);
        const crypto::SymmetricKey token = protocol::enrolmentRelayToken(m_code->secret);
        // Copied once into the request (Qt keeps header values in QByteArray).
        tokenHeader = protocol::enrolmentTokenHeader(token).view().toByteArray();
    }
    m_number = protocol::safetyNumber(t);

    DeviceProfile p;
    p.deviceId = m_device;
    p.deploymentId = m_code->deployment;
    p.hqId = protocol::hqParticipantId();
    p.hqSignKey = certificate.contentKey;
    p.hqCertSerial = certificate.serial;
    p.hqBoxKey = m_code->hqBoxKey;
    p.hqBoxKeyId = m_code->hqBoxKeyId;
    p.relayUrl = m_code->relayUrl;
    for (const protocol::RelayPin &pin : m_code->relayPins)
        p.relayPins << QString::fromLatin1(pin.toHex());
    p.label = m_options.label;
    p.enrolledMs = m_clock.wallMs();
    p.hqRootKey = m_code->rootKey;
    p.wipeAckKeyHash = crypto::crypto_generichash(wipeAck->view());
    if (auto s = saveDeviceProfile(*m_vault->database(), p); !s) {
        discardVault();
        return finish(
            EnrolOutcome::Failed,
            QStringLiteral("the device profile was not saved: %1").arg(s.error().message));
    }
    // DESIGN.md step 2: S, the relay token and the MAC key are erased once the submission is
    // built (the token's header copy goes with the request).
    m_code.reset();

    Q_EMIT progress(QStringLiteral("posting the enrolment submission"));
    m_http->callWithHeaders(
        "POST", "/v1/enrol/" + m_device.toHex(), sealed,
        {{QByteArrayLiteral("Liaison-Enrol-Token"), tokenHeader}}, m_options.requestTimeoutMs,
        [this](const client::RelayReply &r) { onSubmitted(r.status, r.errorCode, r.describe()); });
    tokenHeader.fill('\0');
}

void EnrolClient::onSubmitted(int status, const QByteArray &errorCode, const QString &describe)
{
    if (status >= 200 && status < 300) {
        qCInfo(lcEnrol) << "submission stored at the relay for device" << m_device.toHex().left(8);
        Q_EMIT submitted(*m_number);
        return waitForHq();
    }
    discardVault();
    if (status == 0)
        return finish(
            EnrolOutcome::Unreachable,
            QStringLiteral("relay unreachable while posting the submission (%1)").arg(describe));
    if (status == 403 && errorCode == "expired")
        return finish(EnrolOutcome::Expired,
                      QStringLiteral("the relay says the enrolment code expired"));
    if (status == 403 && errorCode == "submission_limit")
        return finish(EnrolOutcome::Cancelled,
                      QStringLiteral("this enrolment code was used too many times"));
    if (status == 404 || status == 401)
        return finish(EnrolOutcome::Cancelled,
                      QStringLiteral("the relay holds no enrolment for this code: HQ cancelled "
                                     "or replaced it (%1)")
                          .arg(describe));
    finish(EnrolOutcome::Failed,
           QStringLiteral("the relay refused the submission (%1)").arg(describe));
}

void EnrolClient::waitForHq()
{
    Q_EMIT progress(QStringLiteral("waiting for HQ to confirm"));
    auto session = DeviceSession::open(*m_vault->database(), m_clock);
    if (!session)
        return finish(EnrolOutcome::Failed, session.error().message);
    m_session = std::move(*session);
    auto streams = DeviceStreams::open(*m_session, *m_vault->identity(), m_clock);
    if (!streams)
        return finish(EnrolOutcome::Failed, streams.error().message);
    m_streams = std::move(*streams);
    client::SyncClientOptions o;
    // Until the desk confirms, the relay does not know this device and refuses its pulls: retry
    // soon, and after a round that brought nothing, soon again.
    o.backoff.initialMs = m_options.pollInitialMs;
    o.backoff.maxMs = m_options.pollMaxMs;
    o.longPoll = false;
    o.idleIntervalMs = m_options.pollMaxMs;
    m_sync = std::make_unique<DeviceSync>(*m_session, *m_streams, m_endpoint, nullptr, o);
    connect(m_sync.get(), &DeviceSync::roundFinished, this, &EnrolClient::onRound);
    if (m_options.timeoutMs > 0)
        m_deadlineMs = m_clock.bootMs() + m_options.timeoutMs;
    m_tick.start();
    m_sync->start();
}

void EnrolClient::onRound(bool ok, const QString &error)
{
    if (m_finished)
        return;
    if (!ok && error.contains(QLatin1String("revoked")))
        return finish(EnrolOutcome::Cancelled,
                      QStringLiteral("HQ cancelled this enrolment (the relay refuses the device)"));
    auto state = m_streams->hqStream();
    if (!state)
        return finish(EnrolOutcome::Failed, state.error().message);
    // The first verified `down` envelope is the RESYNC: confirmed once it is applied whole.
    if (*state && (*state)->applied.seq >= 1 && (*state)->snapshotParts == 0) {
        const DeviceProfile &profile = *m_session->profile();
        auto written = refreshWipeFile(m_vaultDir, profile, m_vault->identity()->sign.publicKey,
                                       m_session->records().clock().referenceMs(),
                                       m_streams->hqKeys().serial(), m_clock);
        if (!written)
            return finish(
                EnrolOutcome::Failed,
                QStringLiteral("the wipe file was not written: %1").arg(written.error().message));
        if (!profile.wipeId)
            qCWarning(lcEnrol) << "HQ's RESYNC carried no wipe id: no wipe file";
        return finish(EnrolOutcome::Confirmed, QStringLiteral("HQ confirmed the enrolment"));
    }
    checkWaiting();
}

void EnrolClient::checkWaiting()
{
    if (m_finished)
        return;
    if (m_clock.wallMs() > m_expiresMs)
        return finish(EnrolOutcome::Expired,
                      QStringLiteral("HQ did not confirm before the enrolment code expired (%1)")
                          .arg(relayTime(m_expiresMs)));
    if (m_deadlineMs > 0 && m_clock.bootMs() >= m_deadlineMs)
        return finish(EnrolOutcome::TimedOut,
                      QStringLiteral("HQ did not confirm within %1 s; the vault is kept, a later "
                                     "sync may still see the confirmation")
                          .arg(m_options.timeoutMs / 1000));
}

std::unique_ptr<vault::Vault> EnrolClient::takeVault()
{
    if (!m_finished || !m_vault || !m_vault->isUnlocked())
        return nullptr;
    if (m_sync)
        m_sync->stop();
    m_sync.reset();
    m_streams.reset();
    m_session.reset();
    m_createdVault = false; // the caller's now: never discarded from here
    return std::move(m_vault);
}

void EnrolClient::discardVault()
{
    if (m_sync)
        m_sync->stop();
    m_sync.reset();
    m_streams.reset();
    m_session.reset();
    if (!m_createdVault)
        return;
    if (m_vault) {
        if (auto s = m_vault->erase(); !s)
            qCWarning(lcEnrol).noquote() << "the new vault was not erased:" << s.error().message;
        m_vault.reset();
    }
    if (auto s = removeWipeAckKey(m_keyStore, m_device); !s && s.error().code != Errc::NotFound)
        qCWarning(lcEnrol).noquote() << "the wipe-ack key was not removed:" << s.error().message;
    QDir(m_vaultDir).removeRecursively();
    m_createdVault = false;
}

void EnrolClient::finish(EnrolOutcome outcome, const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_tick.stop();
    m_code.reset();
    m_passphrase.wipe();
    if (m_sync)
        m_sync->stop();
    qCInfo(lcEnrol).noquote() << "enrolment ends:" << enrolOutcomeName(outcome);
    Q_EMIT finished(outcome, reason);
}

} // namespace liaison::device
