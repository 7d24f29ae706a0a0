// The app's sync wiring end to end, through a real liaison-relay child process (SQLite backend):
// HQ (test::TestHq, an in-process HQ of the tests) issues and installs its certificate, seeds the
// directorate records, enrols a device vault by registering its keys and pushes RESYNC + DELTA +
// HEARTBEAT to the relay. Then the app's own composition (AppController: unlock -> DeviceSession
// -> DeviceStreams -> DeviceSync over client::SyncClient) pulls them:
//  - HQ's records arrive in the device store (canonical dump equal to HQ's) and in the models
//  - the status facade says online, synced, nothing pending, a verified HEARTBEAT
//  - an instruction acknowledged in the app reaches HQ's store through the relay
//  - a failed unlock before the session reaches HQ in the RECEIPT (an alarm there)
//  - lock stops the engine; a profile without a relay address stays offline and says why
//  - remote wipe (DESIGN.md "Commands, remote wipe"): enrolment writes the plain wipe file; HQ
//    (TestHq::publishWipe) publishes a token; the app erases the vault from the wipe file alone
//    before any passphrase (start), or through the sync engine's
//    check while unlocked (resume); HQ reads the acknowledgement; a forged token (signed by a
//    key no root vouches for) is refused before and after unlock and the vault stays intact
//  - the lock screen's 24/7 duty number (device/dutynumber.h) follows HQ's record: written at the
//    first round, rewritten when HQ changes it, dialled while locked and after a restart
//  - HQ's POLICY caps the auto-lock delay after the round that brought it and sets the
//    erase-after count in the key file at the next unlock
//  - a field report written offline waits in the outbox ("Waiting to send"), goes with the first
//    round once online ("Sent to HQ") and is in HQ's store after HQ's sync

#include "appcontroller.h"
#include "appfixture.h"
#include "desktop/softwarekeystore.h"
#include "device/dutynumber.h"
#include "device/wipefile.h"
#include "directoraterecords.h"
#include "relaytestkit.h"
#include "store/atomicfile.h"
#include "testhq.h"

#include "testmain.h"

#include <QCborArray>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace liaison;

namespace {
const char kPassphrase[] = "copper lantern meadow violin harbour";

vault::VaultOptions testVault()
{
    vault::VaultOptions o;
    o.kdf = crypto::kTestKdfParams;
    return o;
}

QByteArray dumpOf(model::RecordStore &records)
{
    auto d = records.canonicalDump(test::directorate::scopes());
    return d ? *d : QByteArray("<dump failed>");
}
} // namespace

class TstAppSync : public QObject
{
    Q_OBJECT

private:
    relaytest::RelayEnv m_env;
    liaison::SystemClock m_vaultClock;
    liaison::SystemClock m_clock;
    std::unique_ptr<platform::SoftwareKeyStore> m_hqKeys;
    std::unique_ptr<platform::SoftwareKeyStore> m_deviceKeys;
    std::unique_ptr<test::TestHq> m_hq;
    QString m_relayUrl;
    QList<QUrl> m_opened; // what the apps handed to the phone (tel:, ...)

    static crypto::SecretBytes passphrase()
    {
        return crypto::SecretBytes::copyOf(QByteArrayView(kPassphrase));
    }

    QString path(const QString &name) const { return m_env.dir->filePath(name); }

    // The app over the device vault, with a connectivity that says online and quick timings.
    std::unique_ptr<app::AppController> makeApp(client::Connectivity *connectivity)
    {
        return makeApp(connectivity, path(QStringLiteral("device/vault")), *m_deviceKeys);
    }

    std::unique_ptr<app::AppController> makeApp(client::Connectivity *connectivity,
                                                const QString &vaultDir, vault::KeyStore &keyStore,
                                                int autoLockMs = 60'000)
    {
        client::SyncClientOptions o;
        o.engine.longPollWaitMs = 1000;
        o.backoff = {50, 2000};
        app::AppServices services{vaultDir,    keyStore,   m_vaultClock, m_clock,
                                  testVault(), autoLockMs, connectivity, o};
        services.openUrl = [this](const QUrl &url) {
            m_opened.append(url);
            return true;
        };
        return std::make_unique<app::AppController>(services);
    }

    static bool unlock(app::AppController &a)
    {
        a.vault()->unlock(QString::fromLatin1(kPassphrase));
        a.vault()->waitForWorker();
        return QTest::qWaitFor([&] { return a.vault()->isUnlocked() && a.session(); }, 10000);
    }

    // Another device, enrolled by registering its keys (HQ registry, relay device list).
    // Devices of earlier test functions that never got their RESYNC get one: HQ's fan-out needs
    // every member's stream open.
    bool openEveryActiveStream()
    {
        auto devices = m_hq->registry().devices();
        if (!devices)
            return false;
        for (const hq::DeviceRecord &r : *devices) {
            if (r.state == streams::PeerState::Active && !m_hq->receiver().sendResync(r.id))
                return false;
        }
        return true;
    }

    struct Enrolled
    {
        device::DeviceProfile profile;
        std::unique_ptr<platform::SoftwareKeyStore> keys;
        QString vaultDir;
    };
    bool enrol(const QString &name, Enrolled &out)
    {
        if (!m_hq->transport()) { // this test function runs alone
            device::DeviceProfile hqView;
            hqView.relayUrl = m_relayUrl;
            hqView.deploymentId = m_hq->deploymentId();
            auto endpoint = device::relayEndpointFor(hqView);
            if (!endpoint || !m_hq->connectRelay(*endpoint))
                return false;
            auto cert = m_hq->issueCertificate();
            if (!cert || !m_hq->installCertificate(*cert))
                return false;
        }
        out.keys = std::make_unique<platform::SoftwareKeyStore>(path(name + "/keystore"));
        out.vaultDir = path(name + "/vault");
        auto profile = test::createEnrolledDevice(*m_hq, out.vaultDir, passphrase(), *out.keys,
                                                  m_vaultClock, name, test::directorate::scopes(),
                                                  m_relayUrl, {}, testVault());
        if (!profile)
            return false;
        out.profile = *profile;
        auto record = m_hq->registry().device(profile->deviceId);
        return record && *record && m_hq->putDevice(profile->deviceId, (*record)->signKey, 1);
    }

    // A token at the relay under the device's wipe id, as anyone with the admin key could put.
    bool putToken(const crypto::Id16 &wipeId, const QByteArray &token)
    {
        std::optional<client::RelayReply> got;
        m_hq->transport()->putWipeToken(wipeId, token,
                                        [&](const client::RelayReply &r) { got = r; });
        return QTest::qWaitFor([&] { return got.has_value(); }, 30000) && got->ok();
    }

    // A trip to the background and back, as the platform reports it (the app's own lifecycle,
    // platform::createLifecycle, follows Qt's application state).
    static void resume()
    {
        test::AppFixture::setApplicationState(Qt::ApplicationHidden);
        test::AppFixture::setApplicationState(Qt::ApplicationActive);
    }

    static bool vaultGone(const QString &dir)
    {
        return !vault::Vault::exists(dir) && !QFile::exists(vault::Vault::databasePath(dir)) &&
               !QFile::exists(device::wipeFilePath(dir));
    }

    // signedBy: the hash of the key that must have signed (device or wipe-ack key).
    void checkAcknowledged(const crypto::Id16 &device, const crypto::Id16 &command,
                           std::optional<crypto::Hash32> signedBy = std::nullopt)
    {
        auto ack = m_hq->wipeAcknowledgement(device);
        QVERIFY2(ack, ack ? "" : qPrintable(ack.error().message));
        QVERIFY(ack->has_value());
        // wipeAcknowledgement verified it (signature, key, command); look again.
        auto parsed = protocol::WipeAcknowledgement::decode(**ack);
        QVERIFY(parsed);
        QCOMPARE(parsed->device, device);
        QCOMPARE(parsed->deployment, m_hq->deploymentId());
        QCOMPARE(parsed->commandId, command);
        QVERIFY(parsed->atMs > 0);
        QVERIFY(crypto::crypto_sign_verify_detached(parsed->signature, parsed->signedMessage(),
                                                    parsed->key));
        auto target = m_hq->wipeTarget(device);
        QVERIFY(target);
        const crypto::Hash32 keyHash = crypto::crypto_generichash(parsed->key.view());
        QVERIFY(keyHash == target->signKeyHash || keyHash == target->wipeAckKeyHash);
        if (signedBy)
            QCOMPARE(keyHash, *signedBy);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_env.setUp(QStringLiteral("sqlite")), qPrintable(m_env.error));
        m_hqKeys =
            std::make_unique<platform::SoftwareKeyStore>(path(QStringLiteral("hq/keystore")));
        m_deviceKeys =
            std::make_unique<platform::SoftwareKeyStore>(path(QStringLiteral("device/keystore")));
        auto hq = test::TestHq::create(path(QStringLiteral("hq")), passphrase(), *m_hqKeys,
                                       m_vaultClock, m_clock, testVault());
        QVERIFY2(hq, hq ? "" : qPrintable(hq.error().message));
        m_hq = std::move(*hq);
        // The relay knows only the root public key, as in scripts/demo: HQ installs its own
        // certificate below.
        m_env.dep->root.publicKey = m_hq->rootPublicKey();
        m_env.dep->cert.clear();
        QVERIFY2(m_env.startRelay(), qPrintable(m_env.error));
        m_relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_env.relay->port);
    }

    void cleanupTestCase()
    {
        m_hq.reset();
        m_env.tearDown();
    }

    void hqRecordsReachTheAppThroughTheRelay()
    {
        // ---- HQ: certificate, records, an enrolled device, RESYNC + DELTA + HEARTBEAT ----
        device::DeviceProfile hqView;
        hqView.relayUrl = m_relayUrl;
        hqView.deploymentId = m_hq->deploymentId();
        auto endpoint = device::relayEndpointFor(hqView);
        QVERIFY2(endpoint, endpoint ? "" : qPrintable(endpoint.error().message));
        QVERIFY(endpoint->allowPlainHttpOnLoopback);
        QVERIFY(m_hq->connectRelay(*endpoint));
        auto cert = m_hq->issueCertificate();
        QVERIFY(cert);
        auto installed = m_hq->installCertificate(*cert);
        QVERIFY2(installed, installed ? "" : qPrintable(installed.error().message));
        auto counts = test::directorate::seedDirectorate(m_hq->records(), m_clock.wallMs());
        QVERIFY(counts);
        QVERIFY(m_hq->publishEdits());
        auto profile =
            test::createEnrolledDevice(*m_hq, path(QStringLiteral("device/vault")), passphrase(),
                                       *m_deviceKeys, m_vaultClock, QStringLiteral("Test device"),
                                       test::directorate::scopes(), m_relayUrl, {}, testVault());
        QVERIFY2(profile, profile ? "" : qPrintable(profile.error().message));
        auto record = m_hq->registry().device(profile->deviceId);
        QVERIFY(record && *record);
        auto put = m_hq->putDevice(profile->deviceId, (*record)->signKey, 1);
        QVERIFY2(put, put ? "" : qPrintable(put.error().message));
        QVERIFY(m_hq->receiver().sendResync(profile->deviceId));
        QVERIFY(test::directorate::editAfterDelivery(m_hq->records(), m_clock.wallMs()));
        auto deltas = m_hq->publishEdits();
        QVERIFY(deltas);
        QVERIFY(*deltas >= 1);
        QVERIFY(m_hq->receiver().sendHeartbeat(profile->deviceId));
        auto round = m_hq->syncOnce();
        QVERIFY2(round, round ? "" : qPrintable(round.error().message));
        QVERIFY(round->delivered >= 3); // RESYNC, DELTA, HEARTBEAT
        QCOMPARE(round->refused, 0);
        QVERIFY(m_hq->outbox().pending(profile->deviceId)->empty());

        // ---- the app ----
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online);
        QCOMPARE(a->sync()->offline(), true); // locked
        // One wrong passphrase first: HQ hears of it with the device's RECEIPT.
        a->vault()->unlock(QStringLiteral("copper lantern meadow violin harbor"));
        a->vault()->waitForWorker();
        QTRY_VERIFY(!a->vault()->busy());
        QVERIFY(!a->vault()->isUnlocked());
        QVERIFY(unlock(*a));
        QCOMPARE(a->vault()->failuresBeforeUnlock(), 1);
        QVERIFY(a->deviceSync());
        QSignalSpy rounds(a->deviceSync(), &device::DeviceSync::roundFinished);
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() >= 1, 30000);

        // HQ's records, through the relay, in the device store and the models.
        QCOMPARE(dumpOf(a->session()->records()), dumpOf(m_hq->records()));
        QTRY_COMPARE(a->contacts()->rowCount(), counts->contacts);
        QCOMPARE(a->instructions()->rowCount(), counts->instructions);
        QCOMPARE(a->schedule()->rowCount(), counts->scheduleItems);

        // The status the UI shows.
        app::SyncStatusFacade &s = *a->sync();
        QTRY_VERIFY(s.lastSyncedText() != QStringLiteral("never"));
        QVERIFY(!s.offline());
        QVERIFY(s.lastError().isEmpty());
        QVERIFY(s.lastHeartbeatText() != QStringLiteral("never"));
        QVERIFY(!s.noWordFromHq());
        QVERIFY(s.alarms().isEmpty());
        QVERIFY(s.canSyncNow());
        QVERIFY2(s.summary().startsWith(QStringLiteral("Synced")), qPrintable(s.summary()));
        QCOMPARE(s.relayUrl(), m_relayUrl);

        // ---- a device edit reaches HQ ----
        QString instructionId;
        for (int i = 0; i < a->instructions()->rowCount(); ++i) {
            const QModelIndex idx = a->instructions()->index(i, 0);
            if (idx.data(app::InstructionModel::AwaitingRole).toBool()) {
                instructionId = idx.data(app::InstructionModel::RecordIdRole).toString();
                break;
            }
        }
        QVERIFY(!instructionId.isEmpty());
        const qint64 hqBefore = *m_hq->records().recordCount();
        const int okBefore = a->deviceSync()->roundsSucceeded();
        QVERIFY(a->instructionActions()->acknowledge(instructionId));
        auto local = a->session()->records().pendingOutbox();
        QVERIFY(local && local->size() == 1);
        const model::RecordId ackId = local->first().op.recordId;
        // The app starts a round for the change by itself; the change log is sealed and sent.
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() > okBefore, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(s.pending(), 0, 30000);
        QCOMPARE(*a->session()->records().outboxCount(), qint64(0));
        auto pulled = m_hq->syncOnce();
        QVERIFY2(pulled, pulled ? "" : qPrintable(pulled.error().message));
        auto atHq = m_hq->records().record(ackId);
        QVERIFY(atHq && *atHq);
        QCOMPARE((*atHq)->type, model::RecordType::Acknowledgement);
        QCOMPARE(*m_hq->records().recordCount(), hqBefore + 1);
        auto upState = m_hq->receiver().state(profile->deviceId);
        QVERIFY(upState && *upState);
        QVERIFY((*upState)->applied.seq >= 2); // epoch opening (RECEIPT) and the DELTA
        // The failed unlock before this session, reported in the RECEIPT, is an alarm at HQ.
        auto hqAlarms = m_hq->receiver().alarms();
        QVERIFY(hqAlarms);
        bool unlockAlarm = false;
        for (const streams::Alarm &alarm : *hqAlarms)
            unlockAlarm |= alarm.type == streams::AlarmType::UnlockFailures &&
                           alarm.peer == profile->deviceId && alarm.count == 1;
        QVERIFY(unlockAlarm);

        // ---- the lock screen's duty number follows HQ's record ----
        const QString vaultDir = path(QStringLiteral("device/vault"));
        QCOMPARE(a->dutyNumber(), QStringLiteral("+420 974 834 210"));
        QCOMPARE(*device::readDutyNumber(vaultDir), QStringLiteral("+420 974 834 210"));
        auto hqContacts = m_hq->records().records(test::directorate::scopes());
        QVERIFY(hqContacts);
        std::optional<model::RecordId> permanent;
        for (const model::RecordState &r : *hqContacts) {
            if (r.type == model::RecordType::Contact &&
                r.fields.value(QStringLiteral("name")).value.toString() ==
                    QLatin1String("Permanent service (24/7)"))
                permanent = r.id;
        }
        QVERIFY(permanent);
        model::FieldMap newNumber;
        newNumber.insert(QStringLiteral("phones"),
                         QCborArray{model::phone(QStringLiteral("Permanent service"),
                                                 QStringLiteral("+420 974 834 999"), true)});
        QVERIFY(m_hq->records().update(*permanent, newNumber));
        QVERIFY(m_hq->publishEdits());
        QVERIFY(m_hq->syncOnce());
        QTRY_COMPARE_WITH_TIMEOUT(a->dutyNumber(), QStringLiteral("+420 974 834 999"), 30000);
        QCOMPARE(*device::readDutyNumber(vaultDir), QStringLiteral("+420 974 834 999"));

        // ---- lock stops the engine ----
        a->vault()->lock();
        QVERIFY(!a->deviceSync());
        QVERIFY(a->sync()->offline());
        QCOMPARE(a->sync()->offlineReason(), QStringLiteral("Locked"));
        QVERIFY(rounds.count() >= 2);

        // Locked, and after a restart: the number is there and dials without unlocking.
        m_opened.clear();
        QVERIFY(a->callDutyNumber());
        QCOMPARE(m_opened, QList<QUrl>{QUrl(QStringLiteral("tel:+420974834999"))});
        QVERIFY(!a->vault()->isUnlocked());
        a.reset();
        auto restarted = makeApp(&online);
        QCOMPARE(restarted->vault()->state(), app::VaultController::State::Locked);
        QCOMPARE(restarted->dutyNumber(), QStringLiteral("+420 974 834 999"));
        QVERIFY(restarted->callDutyNumber());
        QCOMPARE(m_opened.size(), 2);
        QVERIFY(!restarted->vault()->isUnlocked());
    }

    void fieldReportQueuedOfflineIsSentAfterARound()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("reporter"), d));
        QVERIFY(m_hq->receiver().sendResync(d.profile.deviceId));
        QVERIFY(m_hq->syncOnce());
        client::ManualConnectivity link(client::Connectivity::State::Online);
        auto a = makeApp(&link, d.vaultDir, *d.keys);
        QVERIFY(unlock(*a));
        QVERIFY(a->deviceSync());
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() >= 1, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!a->session()->records().scopes().isEmpty(), 30000);

        // Offline: the report waits on the device.
        link.setState(client::Connectivity::State::Offline);
        const int roundsBefore = a->deviceSync()->roundsSucceeded();
        QVERIFY2(a->reportActions()->sendReport(QStringLiteral("Delegation left the hotel"), false,
                                                QString()),
                 qPrintable(a->reportActions()->error()));
        app::ReportModel &reports = *a->reports();
        QTRY_COMPARE(reports.rowCount(), 1);
        const QModelIndex row = reports.index(0);
        QCOMPARE(row.data(app::ReportModel::TitleRole).toString(),
                 QStringLiteral("Delegation left the hotel"));
        QCOMPARE(row.data(app::ReportModel::SentRole).toBool(), false);
        QCOMPARE(row.data(app::ReportModel::DeliveryTextRole).toString(),
                 QStringLiteral("Waiting to send"));
        const QString reportId = row.data(app::ReportModel::RecordIdRole).toString();
        QTest::qWait(1500); // no round while offline
        QCOMPARE(a->deviceSync()->roundsSucceeded(), roundsBefore);
        QCOMPARE(reports.index(0).data(app::ReportModel::SentRole).toBool(), false);
        QCOMPARE(reports.waitingCount(), 1);

        // Online again: the next round takes it; the relay holds it for HQ.
        link.setState(client::Connectivity::State::Online);
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() > roundsBefore, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(reports.index(0).data(app::ReportModel::SentRole).toBool(), 30000);
        QCOMPARE(reports.index(0).data(app::ReportModel::DeliveryTextRole).toString(),
                 QStringLiteral("Sent to HQ"));
        QCOMPARE(reports.waitingCount(), 0);
        QVERIFY(m_hq->syncOnce());
        QString hex = reportId;
        hex.remove(QLatin1Char('-'));
        const auto id = model::RecordId::fromHex(hex.toLatin1());
        QVERIFY(id);
        auto atHq = m_hq->records().record(*id);
        QVERIFY(atHq && *atHq);
        QCOMPARE((*atHq)->type, model::RecordType::FieldReport);
        QCOMPARE((*atHq)->fields.value(QStringLiteral("text")).value.toString(),
                 QStringLiteral("Delegation left the hotel"));
    }

    // Issue 11 "Sync page": a round that brings several envelopes shows its progress ("Syncing
    // 3 of 7 · 1 pending") on the page and in the header while it runs.
    void longRoundShowsItsProgress()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("progress"), d));
        QVERIFY(m_hq->receiver().sendResync(d.profile.deviceId));
        for (int i = 0; i < 5; ++i) {
            model::FieldMap contact;
            contact.insert(QStringLiteral("name"), QStringLiteral("Progress contact %1").arg(i));
            QVERIFY(m_hq->records().create(model::RecordType::Contact,
                                           QString::fromLatin1(test::directorate::kPostScope),
                                           contact));
            QVERIFY(m_hq->publishEdits());
        }
        QVERIFY(m_hq->syncOnce());
        client::ManualConnectivity link(client::Connectivity::State::Online);
        auto a = makeApp(&link, d.vaultDir, *d.keys);
        app::SyncStatusFacade &s = *a->sync();
        struct Seen
        {
            bool syncing;
            int done;
            int total;
            QString summary;
        };
        QList<Seen> seen;
        QObject watching; // goes before `seen`: the app's last signals come after this test
        connect(&s, &app::SyncStatusFacade::changed, &watching, [&] {
            seen.append({s.syncing(), s.syncDone(), s.syncTotal(), s.summary()});
        });
        QVERIFY(unlock(*a));
        QVERIFY(a->deviceSync());
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() >= 1, 30000);
        int midway = 0, most = 0;
        for (const Seen &x : std::as_const(seen)) {
            most = std::max(most, x.total);
            if (x.syncing && x.done > 0 && x.done < x.total) {
                ++midway;
                QVERIFY2(x.summary.startsWith(
                             QStringLiteral("Syncing %1 of %2").arg(x.done).arg(x.total)),
                         qPrintable(x.summary));
            }
        }
        QVERIFY2(most >= 6, qPrintable(QString::number(most))); // RESYNC and five DELTAs
        QVERIFY2(midway >= 3, qPrintable(QString::number(midway)));
        QTRY_VERIFY(!s.syncing());
        QVERIFY(s.summary().startsWith(QStringLiteral("Synced")));
    }

    // HQ's POLICY on `down` (issue 11): the app was started with a lenient 10 min auto-lock; HQ
    // says at most 2 min and erase after 5 wrong passphrases. The ceiling applies after the
    // round that brought it; the erase count is in the key file after the next unlock.
    void hqPolicyCapsAutoLockAndSetsTheEraseCount()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("policy"), d));
        QVERIFY(m_hq->receiver().sendResync(d.profile.deviceId));
        QVERIFY(m_hq->syncOnce());
        client::ManualConnectivity link(client::Connectivity::State::Online);
        auto a = makeApp(&link, d.vaultDir, *d.keys, 600'000);
        QVERIFY(unlock(*a));
        QVERIFY(a->deviceSync());
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() >= 1, 30000);
        QCOMPARE(a->autoLockSeconds(), 600);

        protocol::PolicyPayload policy;
        policy.autoLockSeconds = 120;
        policy.eraseAfter = 5;
        policy.version = 1;
        QVERIFY(m_hq->outbox().enqueue(d.profile.deviceId, streams::Kind::Policy, policy.toCbor()));
        auto round = m_hq->syncOnce();
        QVERIFY(round && round->delivered >= 1);
        const int before = a->deviceSync()->roundsSucceeded();
        a->deviceSync()->syncNow();
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() > before, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(a->autoLockSeconds(), 120, 10000);

        a->vault()->lock();
        QCOMPARE(a->vault()->attemptsBeforeErase(), 10); // the key file's count until an unlock
        QVERIFY(unlock(*a));
        a->vault()->lock();
        QCOMPARE(a->vault()->attemptsBeforeErase(), 5);
        // A new start reads both from the vault.
        a.reset();
        auto again = makeApp(&link, d.vaultDir, *d.keys, 600'000);
        QCOMPARE(again->vault()->attemptsBeforeErase(), 5);
        QVERIFY(unlock(*again));
        QCOMPARE(again->autoLockSeconds(), 120);
    }

    void noRelayAddressStaysOfflineAndSaysWhy()
    {
        // The same vault with the relay address taken out of its profile.
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online);
        QVERIFY(unlock(*a));
        device::DeviceProfile p = *a->session()->profile();
        p.relayUrl.clear();
        QVERIFY(device::saveDeviceProfile(a->session()->database(), p));
        a->vault()->lock();
        QVERIFY(unlock(*a));
        QVERIFY(a->streams());
        QVERIFY(!a->deviceSync());
        QVERIFY(a->sync()->offline());
        QVERIFY(!a->sync()->canSyncNow());
        QVERIFY2(a->sync()->offlineReason().contains(QStringLiteral("No relay address")),
                 qPrintable(a->sync()->offlineReason()));
        // Plain http to a host that is not loopback is refused, and said so.
        p.relayUrl = QStringLiteral("http://relay.example.org:8080");
        QVERIFY(device::saveDeviceProfile(a->session()->database(), p));
        a->vault()->lock();
        QVERIFY(unlock(*a));
        QVERIFY(!a->deviceSync());
        QVERIFY2(a->sync()->offlineReason().contains(QStringLiteral("refused")) &&
                     a->sync()->offlineReason().contains(QStringLiteral("loopback only")),
                 qPrintable(a->sync()->offlineReason()));
        // https needs a pin.
        QVERIFY(!device::relayEndpointFor(p));
        p.relayUrl = QStringLiteral("https://relay.example.org:8443");
        QVERIFY(device::relayEndpointFor(p).error().code == Errc::InvalidArgument);
        p.relayPins = {QString::fromLatin1(QByteArray(32, 'a').toBase64())};
        QVERIFY(device::relayEndpointFor(p));
        a->vault()->lock();
    }

    void forgedWipeTokenIsNotObeyed()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("forged"), d));
        QVERIFY(d.profile.wipeId.has_value());
        QVERIFY(d.profile.hqRootKey == m_hq->rootPublicKey());
        // The plain wipe file: ids, the sign key hash, the root public key and the relay.
        auto file = device::readWipeFile(d.vaultDir);
        QVERIFY(file && file->has_value());
        const client::WipeTarget &t = (*file)->target;
        auto atHq = m_hq->wipeTarget(d.profile.deviceId);
        QVERIFY(atHq);
        QCOMPARE(t.wipeId, *d.profile.wipeId);
        QCOMPARE(t.wipeId, atHq->wipeId);
        QCOMPARE(t.device, d.profile.deviceId);
        QCOMPARE(t.deployment, m_hq->deploymentId());
        QCOMPARE(t.signKeyHash, atHq->signKeyHash);
        QCOMPARE(t.rootKey, m_hq->rootPublicKey());
        QCOMPARE((*file)->relayUrl, m_relayUrl);

        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy checks(a.get(), &app::AppController::wipeCheckFinished);
        QVERIFY(checks.wait(30000)); // start, before the passphrase: nothing published
        QCOMPARE(checks.first().at(0).toInt(), int(client::WipeCheck::Outcome::NoToken));

        // A forged token: signed by a key that only a foreign root vouches for, claiming our
        // deployment, naming this device and its wipe id.
        relaytest::Deployment forger;
        auto forgedCert = protocol::HqCertificate::decode(forger.cert);
        QVERIFY(forgedCert);
        client::WipeTarget forgedTarget = t;
        forgedTarget.deployment = forger.id;
        auto forged = client::makeWipeToken(forgedTarget, crypto::randomFixed<crypto::Id16>(),
                                            m_clock.wallMs(), m_clock.wallMs() + 3600 * 1000,
                                            *forgedCert, forger.content.secretKey);
        QVERIFY(forged);
        forged->deployment = t.deployment;
        QVERIFY(putToken(t.wipeId, forged->encode()));

        // Resume while locked: the check from the wipe file refuses it.
        resume();
        QTRY_COMPARE_WITH_TIMEOUT(checks.count(), 2, 30000);
        QCOMPARE(checks.last().at(0).toInt(), int(client::WipeCheck::Outcome::Invalid));
        QVERIFY(!a->remotelyWiped());
        QCOMPARE(a->vault()->state(), app::VaultController::State::Locked);
        QVERIFY(QFile::exists(device::wipeFilePath(d.vaultDir)));

        // Unlocked: the sync engine's own check refuses it too; the vault stays open.
        QVERIFY(unlock(*a));
        QVERIFY(a->deviceSync());
        QSignalSpy engine(&a->deviceSync()->client(), &client::SyncClient::wipeCheckFinished);
        resume();
        QTRY_VERIFY_WITH_TIMEOUT(!engine.isEmpty(), 30000);
        QCOMPARE(engine.last().at(0).value<client::WipeCheck::Outcome>(),
                 client::WipeCheck::Outcome::Invalid);
        QTest::qWait(200); // a queued wipe would run now
        QVERIFY(a->vault()->isUnlocked());
        QVERIFY(a->session());
        QVERIFY(!a->remotelyWiped());
        a->vault()->lock();
        QVERIFY(unlock(*a)); // intact
        a->vault()->lock();
        auto none = m_hq->wipeAcknowledgement(d.profile.deviceId);
        QVERIFY(none && !none->has_value());
    }

    void hqWipeErasesTheVaultBeforeUnlock()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wiped-locked"), d));
        auto command = m_hq->publishWipe(d.profile.deviceId);
        QVERIFY2(command, command ? "" : qPrintable(command.error().message));
        auto none = m_hq->wipeAcknowledgement(d.profile.deviceId);
        QVERIFY(none && !none->has_value());

        // The app starts: the check runs from the wipe file alone, nobody types a passphrase.
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy checks(a.get(), &app::AppController::wipeCheckFinished);
        QSignalSpy acked(a.get(), &app::AppController::wipeAcknowledged);
        QTRY_VERIFY_WITH_TIMEOUT(a->remotelyWiped(), 30000);
        QCOMPARE(checks.count(), 1);
        QCOMPARE(checks.first().at(0).toInt(), int(client::WipeCheck::Outcome::Wipe));
        QCOMPARE(a->vault()->state(), app::VaultController::State::Erased);
        QVERIFY2(a->vault()->message().contains(QStringLiteral("HQ erased")),
                 qPrintable(a->vault()->message()));
        QVERIFY(vaultGone(d.vaultDir));
        QTRY_VERIFY_WITH_TIMEOUT(!acked.isEmpty(), 30000);
        QVERIFY(acked.first().at(0).toBool());
        QVERIFY(!QFile::exists(device::wipePendingPath(d.vaultDir))); // the relay took it
        checkAcknowledged(d.profile.deviceId, *command);

        // The passphrase opens nothing any more; resume keeps saying what happened.
        a->vault()->unlock(QString::fromLatin1(kPassphrase));
        a->vault()->waitForWorker();
        QVERIFY(!a->vault()->isUnlocked());
        resume();
        QCOMPARE(a->vault()->state(), app::VaultController::State::Erased);
        QVERIFY(!vault::Vault::load(d.vaultDir, *d.keys, m_vaultClock, testVault()));
        auto b = makeApp(&online, d.vaultDir, *d.keys);
        QCOMPARE(b->vault()->state(), app::VaultController::State::NoVault);
    }

    // Issue 9 point 2 (security review M-2): anyone who read the wipe id (a plain file on the
    // device) posts an acknowledgement before the device ran the wipe. The relay refuses it, HQ
    // does not take the device for wiped, and the genuine acknowledgement still gets through.
    void forgedWipeAcknowledgementIsNotBelieved()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("forged-ack"), d));
        auto command = m_hq->publishWipe(d.profile.deviceId);
        QVERIFY(command);
        relaytest::HttpConnection c(m_env.relay->port);
        const QByteArray path = "/v1/wipe/" + d.profile.wipeId->toHex() + "/done";
        const QByteArray forged = "LWA1" + m_hq->deploymentId().toByteArray() +
                                  d.profile.deviceId.toByteArray() + command->toByteArray() +
                                  QByteArray(8, '\1');
        const int status = c.request("POST", path, forged).status;
        QVERIFY2(status == 400 || status == 403, qPrintable(QString::number(status)));
        auto seen = m_hq->wipeAcknowledgement(d.profile.deviceId);
        QVERIFY(seen && !seen->has_value()); // HQ does not take the device for wiped
        QVERIFY(vault::Vault::exists(d.vaultDir));

        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy acked(a.get(), &app::AppController::wipeAcknowledged);
        QTRY_VERIFY_WITH_TIMEOUT(a->remotelyWiped(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!acked.isEmpty(), 30000);
        QVERIFY(acked.first().at(0).toBool());
        // Locked: the wipe-ack key signed, and it is gone now that the relay took it.
        checkAcknowledged(d.profile.deviceId, *command, d.profile.wipeAckKeyHash);
        QCOMPARE(device::loadWipeAckKey(*d.keys, d.profile.deviceId).error().code, Errc::NotFound);
    }

    // DESIGN.md: "HQ verifies again". The relay (not trusted) holds a token that names a key
    // of its own choosing and stores an acknowledgement that key signed: HQ checks against the
    // keys it registered and does not take the device for wiped.
    void hqVerifiesTheAcknowledgementAgain()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("relay-ack"), d));
        auto command = m_hq->publishWipe(d.profile.deviceId);
        QVERIFY(command);
        relaytest::HttpConnection c(m_env.relay->port);
        const QByteArray path = "/v1/wipe/" + d.profile.wipeId->toHex();
        auto published = protocol::WipeToken::decode(c.request("GET", path).body);
        QVERIFY(published);
        // The relay's own key in place of the wipe-ack key (it cannot sign a valid token, and
        // does not need to: the device never sees this one).
        const crypto::SignKeyPair relayKey = crypto::crypto_sign_keypair();
        protocol::WipeToken swapped = *published;
        swapped.wipeAckKeyHash = crypto::crypto_generichash(relayKey.publicKey.view());
        QVERIFY(putToken(*d.profile.wipeId, swapped.encode()));
        const QByteArray ack =
            protocol::signWipeAcknowledgement(m_hq->deploymentId(), d.profile.deviceId, *command,
                                              m_clock.wallMs(), relayKey)
                .encode();
        QCOMPARE(c.request("POST", path + "/done", ack).status, 200); // the relay took it
        auto seen = m_hq->wipeAcknowledgement(d.profile.deviceId);
        QVERIFY(!seen);
        QCOMPARE(seen.error().code, Errc::AuthFailed);
    }

    void hqWipeErasesAnUnlockedVaultOnResume()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wiped-open"), d));
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy startCheck(a.get(), &app::AppController::wipeCheckFinished);
        QVERIFY(startCheck.wait(30000)); // before the passphrase: nothing published yet
        QCOMPARE(startCheck.first().at(0).toInt(), int(client::WipeCheck::Outcome::NoToken));
        QVERIFY(unlock(*a));
        QVERIFY(a->deviceSync());
        QSignalSpy acked(a.get(), &app::AppController::wipeAcknowledged);
        QSignalSpy lockedChecks(a.get(), &app::AppController::wipeCheckFinished);
        QSignalSpy engineWipes(&a->deviceSync()->client(), &client::SyncClient::wipeRequested);
        auto command = m_hq->publishWipe(d.profile.deviceId);
        QVERIFY(command);
        // Back in the foreground: the engine checks first (SyncClientOptions::wipe).
        resume();
        QTRY_VERIFY_WITH_TIMEOUT(a->remotelyWiped(), 30000);
        QVERIFY(engineWipes.count() >= 1); // the engine's check ordered it,
        QCOMPARE(lockedChecks.count(), 0); // not the check without the vault
        QCOMPARE(a->vault()->state(), app::VaultController::State::Erased);
        QVERIFY(!a->session());
        QVERIFY(!a->deviceSync());
        QVERIFY(vaultGone(d.vaultDir));
        QTRY_VERIFY_WITH_TIMEOUT(!acked.isEmpty(), 30000);
        QVERIFY(acked.first().at(0).toBool());
        checkAcknowledged(d.profile.deviceId, *command);
        QVERIFY(!vault::Vault::load(d.vaultDir, *d.keys, m_vaultClock, testVault()));
    }

    // Issue 8 point 2 (protocol review H2, security review H-1): a WIPE command on `down`, no
    // token at the relay. The unlocked app carries it out: the vault is crypto-erased, and
    // "wipe pending" was on disk before the command id counted as seen. The acknowledgement is
    // signed by the device key (the app could still sign); with no token at the relay yet it is
    // refused (404) and kept; once HQ published the token under the same command, the next
    // start posts it and HQ believes it.
    void onlineWipeOnDownErasesTheVault()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wiped-online"), d));
        QVERIFY(m_hq->receiver().sendResync(d.profile.deviceId));
        auto command = m_hq->sendWipe(d.profile.deviceId);
        QVERIFY2(command, command ? "" : qPrintable(command.error().message));
        auto round = m_hq->syncOnce();
        QVERIFY2(round, round ? "" : qPrintable(round.error().message));
        QCOMPARE(round->refused, 0);

        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy startCheck(a.get(), &app::AppController::wipeCheckFinished);
        QVERIFY(startCheck.wait(30000));
        QCOMPARE(startCheck.first().at(0).toInt(), int(client::WipeCheck::Outcome::NoToken));
        QSignalSpy acked(a.get(), &app::AppController::wipeAcknowledged);
        QVERIFY(unlock(*a));
        QTRY_VERIFY_WITH_TIMEOUT(a->remotelyWiped(), 30000);
        QCOMPARE(a->vault()->state(), app::VaultController::State::Erased);
        QVERIFY(!a->session());
        QVERIFY(vaultGone(d.vaultDir));
        QVERIFY(!vault::Vault::load(d.vaultDir, *d.keys, m_vaultClock, testVault()));
        QTRY_VERIFY_WITH_TIMEOUT(!acked.isEmpty(), 30000);
        QVERIFY(!acked.first().at(0).toBool()); // no token yet: the relay cannot verify it
        QVERIFY(QFile::exists(device::wipePendingPath(d.vaultDir)));

        QVERIFY(m_hq->publishWipe(d.profile.deviceId, 15000, *command));
        auto b = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy ackedAgain(b.get(), &app::AppController::wipeAcknowledged);
        QVERIFY(ackedAgain.wait(30000));
        QVERIFY(ackedAgain.first().at(0).toBool());
        auto target = m_hq->wipeTarget(d.profile.deviceId);
        QVERIFY(target);
        checkAcknowledged(d.profile.deviceId, *command, target->signKeyHash);
        QCOMPARE(device::loadWipeAckKey(*d.keys, d.profile.deviceId).error().code, Errc::NotFound);
    }

    // Issue 8 point 2: the app process is killed (SIGKILL) after the transaction that recorded
    // the WIPE's command id and "wipe pending", before the erase. The next start finishes the
    // wipe in the constructor, before any page, and posts the acknowledgement the device key
    // signed before it died.
    void killedBetweenWipePendingAndEraseFinishesAtNextStart()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wipe-killed"), d));
        QVERIFY(m_hq->receiver().sendResync(d.profile.deviceId));
        auto command = m_hq->sendWipe(d.profile.deviceId);
        QVERIFY(command);
        auto round = m_hq->syncOnce();
        QVERIFY(round);

        QProcess helper;
        helper.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        helper.start(QCoreApplication::applicationDirPath() +
                         QStringLiteral("/tst_app_sync_wipehelper"),
                     {d.vaultDir, path(QStringLiteral("wipe-killed/keystore")),
                      QString::fromLatin1(kPassphrase)});
        QVERIFY2(helper.waitForStarted(30000), qPrintable(helper.errorString()));
        QByteArray out;
        QVERIFY(QTest::qWaitFor(
            [&] {
                helper.waitForReadyRead(100);
                out += helper.readAllStandardOutput();
                return out.contains("wipe-pending-committed") ||
                       helper.state() == QProcess::NotRunning;
            },
            60000));
        QVERIFY2(out.contains("wipe-pending-committed"), out.constData());
        helper.kill(); // SIGKILL
        QVERIFY(helper.waitForFinished(30000));
        QCOMPARE(helper.exitStatus(), QProcess::CrashExit);

        // What the dead process left: the vault intact, the signed acknowledgement pending.
        QVERIFY(vault::Vault::exists(d.vaultDir));
        QVERIFY(QFile::exists(vault::Vault::databasePath(d.vaultDir)));
        auto pending = device::readWipePending(d.vaultDir);
        QVERIFY(pending && pending->has_value());
        auto ack = protocol::WipeAcknowledgement::decode((*pending)->acknowledgement);
        QVERIFY(ack);
        QCOMPARE(ack->commandId, *command);
        auto target = m_hq->wipeTarget(d.profile.deviceId);
        QVERIFY(target);
        QCOMPARE(crypto::crypto_generichash(ack->key.view()), target->signKeyHash);

        // HQ publishes the token under the same command (revocation), the app starts again.
        QVERIFY(m_hq->publishWipe(d.profile.deviceId, 15000, *command));
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QVERIFY(a->remotelyWiped()); // in the constructor, before any page
        QCOMPARE(a->vault()->state(), app::VaultController::State::Erased);
        QVERIFY(vaultGone(d.vaultDir));
        QSignalSpy acked(a.get(), &app::AppController::wipeAcknowledged);
        QVERIFY(acked.wait(30000));
        QVERIFY(acked.first().at(0).toBool());
        QVERIFY(!QFile::exists(device::wipePendingPath(d.vaultDir)));
        checkAcknowledged(d.profile.deviceId, *command, target->signKeyHash);
    }

    // Issue 8 point 10 (security review L-5): a wipe token past its notAfter (judged against
    // HQ's verified time, which the locked app keeps in the plain wipe file) or issued under a
    // certificate serial the device has seen retired is not obeyed, before unlock or after.
    void staleOrExpiredWipeTokenIsNotObeyed()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("stale-token"), d));
        QVERIFY(m_hq->receiver().sendResync(d.profile.deviceId));
        QVERIFY(m_hq->syncOnce());
        relaytest::HttpConnection c(m_env.relay->port);
        const relaytest::Reply certReply = c.request("GET", "/v1/hq-cert");
        QCOMPARE(certReply.status, 200);
        auto cert1 = protocol::HqCertificate::decode(certReply.body);
        QVERIFY(cert1);
        auto target = m_hq->wipeTarget(d.profile.deviceId);
        QVERIFY(target);

        // The app learns HQ's time (the RESYNC's HEARTBEAT), then locks.
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QSignalSpy checks(a.get(), &app::AppController::wipeCheckFinished);
        QVERIFY(checks.wait(30000));
        QCOMPARE(checks.last().at(0).toInt(), int(client::WipeCheck::Outcome::NoToken));
        QVERIFY(unlock(*a));
        QTRY_VERIFY_WITH_TIMEOUT(a->session()->records().clock().referenceMs().has_value(), 30000);
        a->vault()->lock();

        // Expired an hour ago by HQ's time, though HQ's key signed it inside its certificate.
        auto expired = client::makeWipeToken(*target, crypto::randomFixed<crypto::Id16>(),
                                             cert1->notBeforeMs + 1, cert1->notBeforeMs + 2, *cert1,
                                             m_hq->identity().sign.secretKey);
        QVERIFY(expired);
        QVERIFY(putToken(target->wipeId, expired->encode()));
        resume();
        QTRY_COMPARE_WITH_TIMEOUT(checks.count(), 2, 30000);
        QCOMPARE(checks.last().at(0).toInt(), int(client::WipeCheck::Outcome::Invalid));
        QVERIFY(!a->remotelyWiped());
        QVERIFY(vault::Vault::exists(d.vaultDir));

        // HQ moves to certificate serial 2; the device sees it in a HEARTBEAT.
        auto cert2 = m_hq->issueCertificate();
        QVERIFY(cert2);
        QVERIFY(m_hq->installCertificate(*cert2));
        QVERIFY(m_hq->receiver().sendHeartbeat(d.profile.deviceId));
        QVERIFY(m_hq->syncOnce());
        QVERIFY(unlock(*a));
        QTRY_COMPARE_WITH_TIMEOUT(a->streams()->hqKeys().serial(), std::uint64_t(2), 30000);
        a->vault()->lock();
        // Kept in the profile: the next unlock starts from serial 2.
        QVERIFY(unlock(*a));
        QCOMPARE(a->streams()->hqKeys().serial(), std::uint64_t(2));
        QCOMPARE(a->session()->profile()->hqCertSerial, std::uint64_t(2));
        a->vault()->lock();
        auto file = device::readWipeFile(d.vaultDir);
        QVERIFY(file && file->has_value());
        QCOMPARE((*file)->certSerial, std::uint64_t(2));
        QVERIFY((*file)->hqTimeMs.has_value());

        // A token under the retired serial 1 (the relay replays one HQ once published).
        const std::int64_t now = m_clock.wallMs();
        auto stale =
            client::makeWipeToken(*target, crypto::randomFixed<crypto::Id16>(), now,
                                  now + 3600 * 1000, *cert1, m_hq->identity().sign.secretKey);
        QVERIFY(stale);
        QVERIFY(putToken(target->wipeId, stale->encode()));
        resume();
        QTRY_COMPARE_WITH_TIMEOUT(checks.count(), 3, 30000);
        QCOMPARE(checks.last().at(0).toInt(), int(client::WipeCheck::Outcome::Invalid));
        QVERIFY(!a->remotelyWiped());
        QVERIFY(vault::Vault::exists(d.vaultDir));

        // HQ's current token is obeyed.
        auto command = m_hq->publishWipe(d.profile.deviceId);
        QVERIFY(command);
        resume();
        QTRY_VERIFY_WITH_TIMEOUT(a->remotelyWiped(), 30000);
        QVERIFY(vaultGone(d.vaultDir));
    }

    // Issue 8 point 2 (security review M-1): a wipe that could not destroy the key material
    // never reports success; a key file that does not parse is still erased.
    void wipeWithoutTheKeyFileNeverReportsSuccess()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wipe-nokey"), d));
        const QString key = vault::Vault::keyFilePath(d.vaultDir);
        QVERIFY(QFile::rename(key, key + QStringLiteral(".away")));
        {
            app::VaultController vc(d.vaultDir, *d.keys, m_vaultClock, testVault());
            auto erased = vc.eraseForRemoteWipe();
            QVERIFY(!erased); // the pepper could not be located: not "erased"
        }

        Enrolled e;
        QVERIFY(enrol(QStringLiteral("wipe-damaged"), e));
        const QString ekey = vault::Vault::keyFilePath(e.vaultDir);
        {
            QFile f(ekey);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.seek(4));
            QVERIFY(f.write("\x7f", 1) == 1); // a format this version does not know
        }
        QVERIFY(!vault::Vault::load(e.vaultDir, *e.keys, m_vaultClock, testVault()));
        {
            app::VaultController vc(e.vaultDir, *e.keys, m_vaultClock, testVault());
            auto erased = vc.eraseForRemoteWipe();
            QVERIFY2(erased, erased ? "" : qPrintable(erased.error().message));
        }
        QVERIFY(!QFile::exists(ekey));
        QVERIFY(!QFile::exists(vault::Vault::databasePath(e.vaultDir)));
    }

    void pendingWipeFinishesAtNextStart()
    {
        // The app died right after step 1 of the wipe order (the acknowledgement in the
        // pending file): the next start erases and acknowledges before any UI.
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wiped-pending"), d));
        auto command = m_hq->publishWipe(d.profile.deviceId);
        QVERIFY(command);
        auto file = device::readWipeFile(d.vaultDir);
        QVERIFY(file && file->has_value());
        auto wipeAck = device::loadWipeAckKey(*d.keys, d.profile.deviceId);
        QVERIFY(wipeAck);
        const auto ack =
            protocol::signWipeAcknowledgement((*file)->target.deployment, (*file)->target.device,
                                              *command, m_clock.wallMs(), *wipeAck);
        device::WipeFile pending = **file;
        pending.acknowledgement = ack.encode();
        QVERIFY(device::writeWipePending(d.vaultDir, pending, *d.keys));
        QVERIFY(vault::Vault::exists(d.vaultDir));

        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QVERIFY(a->remotelyWiped()); // in the constructor, before any page
        QCOMPARE(a->vault()->state(), app::VaultController::State::Erased);
        QVERIFY(vaultGone(d.vaultDir));
        QSignalSpy acked(a.get(), &app::AppController::wipeAcknowledged);
        QVERIFY(acked.wait(30000));
        QVERIFY(acked.first().at(0).toBool());
        QVERIFY(!QFile::exists(device::wipePendingPath(d.vaultDir)));
        checkAcknowledged(d.profile.deviceId, ack.commandId);
    }

    // Issue 8 point 2, security review L-6: a "wipe.pending" planted in the vault directory by
    // someone who can write files there (valid ids, an acknowledgement signed with a key of
    // their own) is not obeyed at the next start: the vault stays, nothing is posted.
    void plantedWipePendingIsNotObeyed()
    {
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("wipe-planted"), d));
        auto file = device::readWipeFile(d.vaultDir);
        QVERIFY(file && file->has_value());
        const crypto::SignKeyPair attacker = crypto::crypto_sign_keypair();
        device::WipeFile planted = **file;
        planted.acknowledgement =
            protocol::signWipeAcknowledgement(planted.target.deployment, planted.target.device,
                                              crypto::randomFixed<crypto::Id16>(), m_clock.wallMs(),
                                              attacker)
                .encode();
        QVERIFY(store::writeFileAtomically(device::wipePendingPath(d.vaultDir),
                                           device::encodeWipeFile(planted)));

        client::ManualConnectivity offline(client::Connectivity::State::Offline);
        auto a = makeApp(&offline, d.vaultDir, *d.keys);
        QVERIFY(!a->remotelyWiped());
        QVERIFY(a->vault()->state() != app::VaultController::State::Erased);
        QVERIFY(vault::Vault::exists(d.vaultDir));
        QVERIFY(QFile::exists(vault::Vault::databasePath(d.vaultDir)));
        QVERIFY(QFile::exists(device::wipeFilePath(d.vaultDir)));
        a.reset();

        // A pending file this device signed, altered afterwards (another relay to post to): not
        // obeyed either.
        device::WipeFile signedPending = **file;
        signedPending.acknowledgement = planted.acknowledgement;
        QVERIFY(device::writeWipePending(d.vaultDir, signedPending, *d.keys));
        QVERIFY(device::readVerifiedWipePending(d.vaultDir, *d.keys));
        QFile f(device::wipePendingPath(d.vaultDir));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray text = f.readAll();
        f.close();
        text.replace("relay-url=", "relay-url=x");
        QVERIFY(store::writeFileAtomically(device::wipePendingPath(d.vaultDir), text));
        QCOMPARE(device::readVerifiedWipePending(d.vaultDir, *d.keys).error().code,
                 Errc::AuthFailed);
        auto b = makeApp(&offline, d.vaultDir, *d.keys);
        QVERIFY(!b->remotelyWiped());
        QVERIFY(QFile::exists(vault::Vault::databasePath(d.vaultDir)));
    }

    // Issue 8 point 10 (runs last: HQ keeps its new key). The desk rotates its content key:
    // the HEARTBEAT carrying the new certificate reaches the app, which adopts it and takes
    // HQ's next DELTA, signed with the new key, without re-enrolment; the key survives a
    // restart of the session.
    void hqContentKeyRotatesOnTheDevice()
    {
        if (*m_hq->records().recordCount() == 0) // this test function runs alone
            QVERIFY(test::directorate::seedDirectorate(m_hq->records(), m_clock.wallMs()));
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("rotation"), d));
        QVERIFY(openEveryActiveStream());
        QVERIFY(m_hq->syncOnce());
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QVERIFY(unlock(*a));
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() >= 1, 30000);
        QCOMPARE(dumpOf(a->session()->records()), dumpOf(m_hq->records()));
        const std::uint64_t before = a->streams()->hqKeys().serial();
        const crypto::SignPublicKey oldKey = m_hq->contentKey().publicKey;
        QCOMPARE(a->streams()->hqKeys().contentKey(), oldKey);

        auto rotated = m_hq->rotateContentKey();
        QVERIFY2(rotated, rotated ? "" : qPrintable(rotated.error().message));
        QVERIFY(!(m_hq->contentKey().publicKey == oldKey));
        auto all = m_hq->records().records(test::directorate::scopes());
        QVERIFY(all);
        std::optional<model::RecordId> contact;
        for (const model::RecordState &r : *all) {
            if (r.type == model::RecordType::Contact && !contact)
                contact = r.id;
        }
        QVERIFY(contact);
        model::FieldMap changes;
        changes.insert(QStringLiteral("notes"),
                       QStringLiteral("after the key rotation %1").arg(m_clock.wallMs()));
        QVERIFY(m_hq->records().update(*contact, changes));
        auto deltas = m_hq->publishEdits();
        QVERIFY2(deltas, deltas ? "" : qPrintable(deltas.error().message));
        QVERIFY(*deltas >= 1);
        auto round = m_hq->syncOnce(); // HQ's requests are signed with the new key too
        QVERIFY2(round, round ? "" : qPrintable(round.error().message));
        QCOMPARE(round->refused, 0);

        const int okBefore = a->deviceSync()->roundsSucceeded();
        a->deviceSync()->syncNow();
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() > okBefore, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(a->streams()->hqKeys().serial(), before + 1, 30000);
        QCOMPARE(a->streams()->hqKeys().contentKey(), m_hq->contentKey().publicKey);
        QTRY_COMPARE_WITH_TIMEOUT(dumpOf(a->session()->records()), dumpOf(m_hq->records()), 30000);
        QVERIFY(a->sync()->alarms().isEmpty());
        a->vault()->lock();
        QVERIFY(unlock(*a));
        QCOMPARE(a->streams()->hqKeys().contentKey(), m_hq->contentKey().publicKey);
        QCOMPARE(a->session()->profile()->hqSignKey, m_hq->contentKey().publicKey);
        a->vault()->lock();
    }

    // Issue 8 point 10: a device that missed HQ's key rotation (the HEARTBEAT carrying the new
    // certificate never reached it) drops HQ's next envelopes for their signature; it fetches
    // HQ's certificate from the relay (GET /v1/hq-cert), adopts the higher serial and converges
    // without re-enrolment.
    void deviceThatMissedTheRotationFetchesTheCertificate()
    {
        if (*m_hq->records().recordCount() == 0) // this test function runs alone
            QVERIFY(test::directorate::seedDirectorate(m_hq->records(), m_clock.wallMs()));
        Enrolled d;
        QVERIFY(enrol(QStringLiteral("missed-rotation"), d));
        QVERIFY(openEveryActiveStream());
        QVERIFY(m_hq->syncOnce());
        client::ManualConnectivity online(client::Connectivity::State::Online);
        auto a = makeApp(&online, d.vaultDir, *d.keys);
        QVERIFY(unlock(*a));
        QTRY_VERIFY_WITH_TIMEOUT(a->deviceSync()->roundsSucceeded() >= 1, 30000);
        const std::uint64_t before = a->streams()->hqKeys().serial();
        a->vault()->lock(); // the device is away while HQ rotates

        auto rotated = m_hq->rotateContentKey(30000, false);
        QVERIFY2(rotated, rotated ? "" : qPrintable(rotated.error().message));
        auto all = m_hq->records().records(test::directorate::scopes());
        QVERIFY(all);
        std::optional<model::RecordId> contact;
        for (const model::RecordState &r : *all) {
            if (r.type == model::RecordType::Contact && !contact)
                contact = r.id;
        }
        QVERIFY(contact);
        model::FieldMap changes;
        changes.insert(QStringLiteral("notes"),
                       QStringLiteral("missed the rotation %1").arg(m_clock.wallMs()));
        QVERIFY(m_hq->records().update(*contact, changes));
        auto deltas = m_hq->publishEdits();
        QVERIFY2(deltas, deltas ? "" : qPrintable(deltas.error().message));
        QVERIFY(m_hq->syncOnce());

        QVERIFY(unlock(*a));
        QTRY_COMPARE_WITH_TIMEOUT(a->streams()->hqKeys().serial(), before + 1, 30000);
        QCOMPARE(a->streams()->hqKeys().contentKey(), m_hq->contentKey().publicKey);
        QTRY_COMPARE_WITH_TIMEOUT(dumpOf(a->session()->records()), dumpOf(m_hq->records()), 30000);
        a->vault()->lock(); // kept in the profile
        QVERIFY(unlock(*a));
        QCOMPARE(a->session()->profile()->hqSignKey, m_hq->contentKey().publicKey);
        a->vault()->lock();
    }
};

LIAISON_APP_TEST_MAIN(TstAppSync)
#include "tst_app_sync.moc"
