// liaison-device (issue 10, "Enrolment, device side"): the real binary against a real
// liaison-relay on loopback and a desk made with the real liaison-hq.
//
// The desk's half of the enrolment (device add / confirm) is played here in-process with the
// library, as those commands do it: a code (protocol/enrolment.h), the enrolment slot at the
// relay, the submission opened and its safety number compared, then registry, membership,
// RESYNC and the relay's device list; `liaison-hq publish` delivers.

#include "devicetoolkit.h"
#include "hqclikit.h"
#include "relaytestkit.h"
#include "testmain.h"

#include "desk/deskrelay.h"
#include "desk/deskstore.h"
#include "desktop/softwarekeystore.h"
#include "device/devicestore.h"
#include "device/wipefile.h"
#include "protocol/enrolment.h"
#include "vault/vault.h"

#include <QDirIterator>
#include <QJsonArray>

using namespace liaison;
using namespace liaison::devicetest;
using namespace liaison::hqclitest;

namespace {

struct OpenedDesk
{
    explicit OpenedDesk(const Desk &d)
        : keys(QDir(d.store()).filePath(QStringLiteral("keystore")))
    {
        vault::VaultOptions o;
        o.kdf = crypto::kTestKdfParams;
        auto s = desk::DeskStore::open(d.store(), crypto::SecretBytes::copyOf(kDeskPassphrase),
                                       keys, vaultClock, clock, o);
        if (s)
            store = std::move(*s);
        else
            qWarning() << s.error().message;
    }
    platform::SoftwareKeyStore keys;
    SystemClock vaultClock;
    SystemClock clock;
    std::unique_ptr<desk::DeskStore> store;
};

// An admin call of the desk's transport, waited for.
client::RelayReply adminCall(const std::function<void(client::HqTransport::ReplyCallback)> &call)
{
    std::optional<client::RelayReply> got;
    call([&](const client::RelayReply &r) { got = r; });
    if (!QTest::qWaitFor([&] { return got.has_value(); }, 15000))
        return {};
    return *got;
}

// A code for `device` as `device add` makes one (and its slot at the relay when `register`).
struct DeskEnrolment
{
    crypto::Id16 device = crypto::randomFixed<crypto::Id16>();
    std::optional<protocol::EnrolmentCode> code;
    QByteArray text;
};

bool makeCode(desk::DeskStore &desk, DeskEnrolment &e, std::int64_t expiresMs, bool registerSlot)
{
    const desk::DeskConfig &cfg = desk.config();
    e.code.emplace(protocol::newEnrolmentCode(cfg.deployment, cfg.relayUrl, {}, cfg.rootKey,
                                              e.device, expiresMs, desk.identity().box.publicKey,
                                              desk::kHqBoxKeyId));
    auto text = protocol::encodeEnrolmentCode(*e.code);
    if (!text) {
        qWarning() << text.error().message;
        return false;
    }
    e.text = *text;
    if (!registerSlot)
        return true;
    auto link = desk::DeskRelay::open(desk);
    if (!link)
        return false;
    const crypto::Hash32 tokenHash =
        protocol::enrolmentTokenHash(protocol::enrolmentRelayToken(e.code->secret));
    const client::RelayReply r = adminCall([&](auto done) {
        (*link)->transport().putEnrolSlot(e.device, tokenHash, expiresMs, done);
    });
    if (!r.ok())
        qWarning() << "enrol slot:" << r.describe();
    return r.ok();
}

// Every file under `dir` as bytes, concatenated (for "no plaintext" checks).
QByteArray allBytesUnder(const QString &dir)
{
    QByteArray all;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}

QByteArray flipOneCharacter(const QByteArray &code)
{
    QByteArray damaged = code;
    const qsizetype i = protocol::kEnrolCodePrefix.size() + 20;
    damaged[i] = damaged[i] == 'A' ? 'B' : 'A';
    return damaged;
}

} // namespace

class TestDeviceTool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpAndUsage();
    void damagedCodeIsRefusedAndLeavesNothing();
    void expiredCodeIsRefused();
    void unreachableRelayLeavesNothing();
    void enrolsWithTheDeskAndHoldsExactlyItsScopes();
    void submissionWithoutSlotIsCancelled();

private:
    // A desk with a relay, two scopes and one contact in each, published.
    struct World
    {
        Desk desk;
        relaytest::Deployment dep;
        relaytest::Backend backend;
        relaytest::RelayProcess relay;
        QString relayUrl;
    };
    bool setUpWorld(World &w);
};

bool TestDeviceTool::setUpWorld(World &w)
{
    if (!w.desk.rootInit())
        return false;
    w.dep.root.publicKey = *crypto::SignPublicKey::fromHex(w.desk.rootPublicKey.toLatin1());
    w.dep.id = *crypto::Id16::fromHex(w.desk.deployment.toLatin1());
    w.dep.cert.clear(); // the desk installs its own certificate
    QString error;
    if (!relaytest::makeBackend(QStringLiteral("sqlite"), w.desk.dir, w.backend, &error)) {
        qWarning() << error;
        return false;
    }
    if (!w.relay.start(w.desk.dir, w.backend, w.dep))
        return false;
    w.relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(w.relay.port);
    if (!w.desk.initStore(w.relayUrl))
        return false;
    for (const char *s : {"post:vienna", "post:berlin"})
        if (w.desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QString::fromLatin1(s)})
                .code != 0)
            return false;
    const Run a = w.desk.hq({QStringLiteral("contact"), QStringLiteral("add"),
                             QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                             QStringLiteral("--name"), QStringLiteral("Zdenka Vienna-Marker")});
    const Run b = w.desk.hq({QStringLiteral("contact"), QStringLiteral("add"),
                             QStringLiteral("--scope"), QStringLiteral("post:berlin"),
                             QStringLiteral("--name"), QStringLiteral("Berthold Berlin-Marker")});
    const Run p = w.desk.hq({QStringLiteral("publish")}); // installs the certificate
    if (a.code != 0 || b.code != 0 || p.code != 0) {
        qWarning() << describe(a) << describe(b) << describe(p);
        return false;
    }
    return true;
}

void TestDeviceTool::helpAndUsage()
{
    const ToolRun top = runDevice({QStringLiteral("--help")});
    QCOMPARE(top.code, 0);
    for (const char *c : {"enrol", "sync", "records", "status"})
        QVERIFY2(top.out.contains(c), top.out.constData());
    for (const char *c : {"enrol", "sync", "records", "status"}) {
        const ToolRun h = runDevice({QString::fromLatin1(c), QStringLiteral("--help")});
        QCOMPARE(h.code, 0);
        QVERIFY(h.out.contains("--dir"));
    }
    QCOMPARE(runDevice({}).code, 2);
    QCOMPARE(runDevice({QStringLiteral("frobnicate")}).code, 2);
    DeviceDir dev;
    // No code, both codes, no --dir, no passphrase, a bad timeout: usage.
    QCOMPARE(dev.run(QStringLiteral("enrol")).code, 2);
    QCOMPARE(dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"), QStringLiteral("x"),
                                               QStringLiteral("--code-file"), QStringLiteral("y")})
                 .code,
             2);
    QCOMPARE(runDevice({QStringLiteral("enrol"), QStringLiteral("--code"), QStringLiteral("x"),
                        QStringLiteral("--passphrase-file"), dev.passFile()})
                 .code,
             2);
    QCOMPARE(runDevice({QStringLiteral("enrol"), QStringLiteral("--code"), QStringLiteral("x"),
                        QStringLiteral("--dir"), dev.dir()})
                 .code,
             2);
    QCOMPARE(dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"), QStringLiteral("x"),
                                               QStringLiteral("--timeout"), QStringLiteral("0")})
                 .code,
             2);
    // Nothing enrolled: records fails clearly, status says so.
    const ToolRun rec = dev.run(QStringLiteral("records"));
    QCOMPARE(rec.code, 1);
    QVERIFY2(rec.err.contains("no vault"), rec.err.constData());
    const ToolRun st = dev.run(QStringLiteral("status"), {QStringLiteral("--json")});
    QCOMPARE(st.code, 0);
    QCOMPARE(st.json.value(QStringLiteral("vault")).toBool(), false);
}

void TestDeviceTool::damagedCodeIsRefusedAndLeavesNothing()
{
    Desk d;
    QVERIFY(d.setUp());
    OpenedDesk opened(d);
    QVERIFY(opened.store);
    DeskEnrolment e;
    QVERIFY(makeCode(*opened.store, e, relaytest::nowMs() + 3600'000, false));
    DeviceDir dev;
    const ToolRun r =
        dev.run(QStringLiteral("enrol"),
                {QStringLiteral("--code"), QString::fromLatin1(flipOneCharacter(e.text))});
    QVERIFY2(r.code == 1, describe(r).constData());
    QVERIFY2(r.err.contains("damaged code"), r.err.constData());
    QVERIFY(!QFileInfo::exists(dev.dir()));
    // --json says the same as one object.
    const ToolRun j =
        dev.run(QStringLiteral("enrol"),
                {QStringLiteral("--code"), QString::fromLatin1(flipOneCharacter(e.text)),
                 QStringLiteral("--json")});
    QCOMPARE(j.code, 1);
    QCOMPARE(j.json.value(QStringLiteral("outcome")).toString(), QStringLiteral("damaged_code"));
    QVERIFY(!QFileInfo::exists(dev.dir()));
    // Truncated, and not a Liaison code at all.
    QCOMPARE(dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"),
                                               QString::fromLatin1(e.text.left(e.text.size() - 3))})
                 .code,
             1);
    const ToolRun other =
        dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"), QStringLiteral("hello world")});
    QCOMPARE(other.code, 1);
    QVERIFY2(other.err.contains("damaged code"), other.err.constData());
    QVERIFY(!QFileInfo::exists(dev.dir()));
}

void TestDeviceTool::expiredCodeIsRefused()
{
    Desk d;
    QVERIFY(d.setUp());
    OpenedDesk opened(d);
    QVERIFY(opened.store);
    DeskEnrolment e;
    QVERIFY(makeCode(*opened.store, e, relaytest::nowMs() - 60'000, false));
    DeviceDir dev;
    // From a file, as the demo hands it over.
    const QString codeFile = dev.tmp.filePath(QStringLiteral("code.txt"));
    {
        QFile f(codeFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(protocol::groupEnrolmentCode(e.text) + '\n');
    }
    const ToolRun r = dev.run(QStringLiteral("enrol"),
                              {QStringLiteral("--code-file"), codeFile, QStringLiteral("--json")});
    QVERIFY2(r.code == 1, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("outcome")).toString(), QStringLiteral("expired"));
    QVERIFY2(r.json.value(QStringLiteral("reason")).toString().contains(QStringLiteral("expired")),
             r.out.constData());
    QVERIFY(!QFileInfo::exists(dev.dir()));
}

void TestDeviceTool::unreachableRelayLeavesNothing()
{
    Desk d;
    QVERIFY(d.setUp(QStringLiteral("http://127.0.0.1:1"))); // nothing listens there
    OpenedDesk opened(d);
    QVERIFY(opened.store);
    DeskEnrolment e;
    QVERIFY(makeCode(*opened.store, e, relaytest::nowMs() + 3600'000, false));
    DeviceDir dev;
    const ToolRun r =
        dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"), QString::fromLatin1(e.text)});
    QVERIFY2(r.code == 1, describe(r).constData());
    QVERIFY2(r.err.contains("relay unreachable"), r.err.constData());
    QVERIFY(!QFileInfo::exists(dev.dir()));
}

void TestDeviceTool::enrolsWithTheDeskAndHoldsExactlyItsScopes()
{
    World w;
    QVERIFY(setUpWorld(w));
    DeskEnrolment e;
    std::int64_t expiresMs = relaytest::nowMs() + 3600'000;
    {
        OpenedDesk opened(w.desk);
        QVERIFY(opened.store);
        QVERIFY(makeCode(*opened.store, e, expiresMs, true));
    }
    DeviceDir dev;
    Enrolment tool(dev, e.text,
                   {QStringLiteral("--label"), QStringLiteral("Vienna liaison officer"),
                    QStringLiteral("--timeout"), QStringLiteral("120")});
    const QString number = tool.waitForSafetyNumber();
    if (number.isEmpty()) // (QVERIFY2 evaluates its message even when the check passes)
        QFAIL(describe(tool.finish(1000)).constData());
    // While it waits: a vault and a profile, no wipe file yet (HQ has not confirmed).
    QVERIFY(vault::Vault::exists(dev.vaultDir()));
    QVERIFY(!QFileInfo::exists(device::wipeFilePath(dev.vaultDir())));

    // ---- the desk: the submission, the safety number, confirm ----
    protocol::EnrolmentTranscript t;
    {
        OpenedDesk opened(w.desk);
        QVERIFY(opened.store);
        desk::DeskStore &desk = *opened.store;
        auto link = desk::DeskRelay::open(desk);
        QVERIFY(link);
        const client::RelayReply subs =
            adminCall([&](auto done) { (*link)->transport().getEnrolSubmissions(e.device, done); });
        QVERIFY2(subs.ok(), qPrintable(subs.describe()));
        const QJsonArray list = QJsonDocument::fromJson(subs.body)
                                    .object()
                                    .value(QStringLiteral("submissions"))
                                    .toArray();
        QCOMPARE(list.size(), 1);
        const QByteArray sealed = QByteArray::fromBase64(list[0].toString().toLatin1());
        protocol::EnrolmentExpectation expect;
        expect.deployment = desk.config().deployment;
        expect.device = e.device;
        expect.rootKey = desk.config().rootKey;
        expect.hqSignKey = desk.identity().sign.publicKey;
        expect.hqBoxKey = desk.identity().box.publicKey;
        QVERIFY(desk.config().certificate);
        expect.certificateHashes = {
            crypto::crypto_generichash(desk.config().certificate->encode())};
        expect.expiresMs = expiresMs;
        auto opened2 = protocol::openEnrolmentSubmission(sealed, desk.identity().box,
                                                         protocol::enrolmentMacKey(e.code->secret),
                                                         expect, relaytest::nowMs());
        QVERIFY2(opened2, opened2 ? "" : qPrintable(opened2.error().message));
        t = *opened2;
        // Both sides show the same 60 digits.
        QCOMPARE(protocol::safetyNumber(t).toString(), number);
        QVERIFY(protocol::safetyNumberMatches(protocol::safetyNumber(t), number));

        hq::DeviceRecord rec;
        rec.id = e.device;
        rec.signKey = t.deviceSignKey;
        rec.boxKey = t.deviceBoxKey;
        rec.boxKeyId = 1;
        rec.state = streams::PeerState::Active;
        rec.label = QStringLiteral("Vienna liaison officer");
        QVERIFY(desk.registry().addDevice(rec));
        QVERIFY(desk.registry().addMember(e.device, QStringLiteral("post:vienna")));
        QVERIFY((*link)->receiver().sendResync(e.device));
        auto put =
            (*link)->putDevice(e.device, t.deviceSignKey, client::RelayDeviceState::Active, 1);
        QVERIFY2(put, put ? "" : qPrintable(put.error().message));
    }
    const Run pub = w.desk.hq({QStringLiteral("publish")});
    QVERIFY2(pub.code == 0, describe(pub).constData());

    // ---- the tool saw the RESYNC and ends ----
    const ToolRun done = tool.finish(120000);
    QVERIFY2(done.code == 0, describe(done).constData());
    QVERIFY2(done.out.contains("enrolled: 1 records in scopes post:vienna"), done.out.constData());
    QVERIFY(done.out.contains("device: " + e.device.toHex()));

    // ---- exactly its scope's records ----
    const ToolRun rec = dev.run(QStringLiteral("records"), {QStringLiteral("--json")});
    QVERIFY2(rec.code == 0, describe(rec).constData());
    const QJsonArray rows = rec.json.value(QStringLiteral("records")).toArray();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].toObject().value(QStringLiteral("scope")).toString(),
             QStringLiteral("post:vienna"));
    QCOMPARE(rows[0].toObject().value(QStringLiteral("type")).toString(),
             QStringLiteral("contact"));
    QCOMPARE(rows[0].toObject().value(QStringLiteral("title")).toString(),
             QStringLiteral("Zdenka Vienna-Marker"));
    QCOMPARE(rec.json.value(QStringLiteral("held_scopes")).toArray(),
             QJsonArray{QStringLiteral("post:vienna")});
    const ToolRun human = dev.run(QStringLiteral("records"));
    QCOMPARE(human.code, 0);
    QVERIFY(human.out.contains("contact\tpost:vienna\t"));
    QVERIFY(!human.out.contains("Berlin"));

    // ---- a later publish reaches it with sync ----
    QCOMPARE(w.desk
                 .hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                      QStringLiteral("post:vienna"), QStringLiteral("--name"),
                      QStringLiteral("Second Vienna-Marker")})
                 .code,
             0);
    QCOMPARE(w.desk.hq({QStringLiteral("publish")}).code, 0);
    const ToolRun sync = dev.run(QStringLiteral("sync"), {QStringLiteral("--json")});
    QVERIFY2(sync.code == 0, describe(sync).constData());
    QCOMPARE(sync.json.value(QStringLiteral("records")).toInt(), 2);
    QVERIFY(sync.json.value(QStringLiteral("applied")).toInt() >= 1);
    QCOMPARE(sync.json.value(QStringLiteral("confirmed")).toBool(), true);
    const ToolRun st = dev.run(QStringLiteral("status"), {QStringLiteral("--json")});
    QVERIFY2(st.code == 0, describe(st).constData());
    QCOMPARE(st.json.value(QStringLiteral("device")).toString(),
             QString::fromLatin1(e.device.toHex()));
    QCOMPARE(st.json.value(QStringLiteral("relay")).toString(), w.relayUrl);
    QCOMPARE(st.json.value(QStringLiteral("confirmed")).toBool(), true);
    QCOMPARE(st.json.value(QStringLiteral("records")).toInt(), 2);
    // "No word from HQ" (DESIGN.md "Streams", the app's SyncStatus rule): the newest verified
    // HEARTBEAT (HQ's time in it; the RESYNC just applied carries one) is not older than 48 h
    // now; the tool's clock moved on 47 h it still is not, 49 h on it is.
    const QDateTime heartbeat = QDateTime::fromString(
        st.json.value(QStringLiteral("last_heartbeat")).toString(), Qt::ISODateWithMs);
    QVERIFY2(heartbeat.isValid(), describe(st).constData());
    QVERIFY(qAbs(heartbeat.msecsTo(QDateTime::currentDateTimeUtc())) < 10 * 60 * 1000);
    QCOMPARE(st.json.value(QStringLiteral("no_word_from_hq")).toBool(true), false);
    constexpr qint64 hourMs = 3600LL * 1000;
    for (const qint64 shift : {47 * hourMs, 49 * hourMs}) {
        const ToolRun later = dev.run(
            QStringLiteral("status"), {QStringLiteral("--json")},
            {{QStringLiteral("LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS"), QString::number(shift)}});
        QVERIFY2(later.code == 0, describe(later).constData());
        QCOMPARE(later.json.value(QStringLiteral("no_word_from_hq")).toBool(shift < 48 * hourMs),
                 shift > 48 * hourMs);
        QCOMPARE(later.json.value(QStringLiteral("last_heartbeat")).toString(),
                 st.json.value(QStringLiteral("last_heartbeat")).toString());
    }

    // ---- the vault holds no plaintext ----
    const QByteArray bytes = allBytesUnder(dev.dir());
    QVERIFY(bytes.size() > 4096);
    QVERIFY(!bytes.contains("Vienna-Marker"));
    QVERIFY(!bytes.contains("Zdenka"));
    QVERIFY(!bytes.contains(QStringLiteral("Vienna-Marker").toUtf8().toBase64()));

    // ---- the app's composition opens it (what `liaison --vault DIR/vault` does) ----
    platform::SoftwareKeyStore keys(dev.keyStoreDir());
    SystemClock clock;
    vault::VaultOptions o;
    o.database.migrations = device::deviceMigrations();
    auto v = vault::Vault::load(dev.vaultDir(), keys, clock, o);
    QVERIFY(v);
    QVERIFY((*v)->unlock(crypto::SecretBytes::copyOf(kDevicePassphrase)));
    QCOMPARE((*v)->identity()->sign.publicKey, t.deviceSignKey);
    QCOMPARE((*v)->identity()->box.publicKey, t.deviceBoxKey);
    auto session = device::DeviceSession::open(*(*v)->database(), clock);
    QVERIFY(session);
    const auto &profile = (*session)->profile();
    QVERIFY(profile);
    QCOMPARE(profile->deviceId, e.device);
    QCOMPARE(profile->deploymentId, w.dep.id);
    QCOMPARE(profile->relayUrl, w.relayUrl);
    QCOMPARE(profile->label, QStringLiteral("Vienna liaison officer"));
    QCOMPARE(profile->hqRootKey, std::optional(w.dep.root.publicKey));
    QCOMPARE(profile->wipeAckKeyHash,
             std::optional(crypto::crypto_generichash(t.deviceWipeAckKey.view())));
    // The wipe-ack secret half is in the key store, and only there.
    auto ack = device::loadWipeAckKey(keys, e.device);
    QVERIFY(ack);
    QCOMPARE(ack->publicKey, t.deviceWipeAckKey);
    auto count = (*session)->records().recordCount();
    QVERIFY(count);
    QCOMPARE(*count, qint64(2));
    session->reset();
    (*v)->lock();

    // ---- a second enrolment into the same directory is refused, the vault untouched ----
    const ToolRun again =
        dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"), QString::fromLatin1(e.text)});
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("already holds a vault"), again.err.constData());
    QVERIFY(vault::Vault::exists(dev.vaultDir()));
}

void TestDeviceTool::submissionWithoutSlotIsCancelled()
{
    World w;
    QVERIFY(setUpWorld(w));
    DeskEnrolment e;
    {
        OpenedDesk opened(w.desk);
        QVERIFY(opened.store);
        // HQ never registered this code at the relay (or cancelled it): no slot.
        QVERIFY(makeCode(*opened.store, e, relaytest::nowMs() + 3600'000, false));
    }
    DeviceDir dev;
    const ToolRun r =
        dev.run(QStringLiteral("enrol"),
                {QStringLiteral("--code"), QString::fromLatin1(e.text), QStringLiteral("--json")});
    QVERIFY2(r.code == 1, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("outcome")).toString(), QStringLiteral("cancelled"));
    // The vault made for the submission is gone again, and its keys.
    QVERIFY(!QFileInfo::exists(dev.dir()));
}

LIAISON_TEST_MAIN(TestDeviceTool)
#include "tst_device_tool.moc"
