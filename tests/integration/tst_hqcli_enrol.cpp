// Enrolment end to end (issue 10, tests 1 and 2; DESIGN.md "Enrolment"): the real liaison-hq
// binary, a real liaison-relay on loopback, real stores. In test 1 the device is the real
// headless liaison-device (devicetoolkit.h); in the others the device side runs in this process
// through the protocol library (protocol/enrolment.h) and the library's device streams, so a test
// can post what it likes: it parses the code, fetches and verifies the HQ certificate, posts its
// sealed submission with the relay token and shows its safety number; then it syncs like any
// device.
//
// 1. From nothing: root init, cert issue, init, scope add, contacts imported, device add,
//    `liaison-device enrol` with the code file prints its safety number, device fingerprint equals
//    it, device confirm with it, the tool ends, publish, `liaison-device sync`: `records` shows
//    exactly its scope's records (the desk's, by id) and nothing of the other scope.
// 2. Refusals: a code used twice (two different submissions) cancels; an expired enrolment is
//    refused; a relay that swaps the submission HQ reads (a fault proxy between desk and relay)
//    fails the MAC, or, when the swapper knows the code, gives another safety number so the
//    officer's number does not match; one wrong digit cancels. In none of them is the device
//    registered.
// 3. device cancel closes the code at the relay too: liaison-device with the cancelled code is
//    refused at once; with the relay down the desk's cancel holds and the failure is reported.
// 4. device replace (a lost or new phone): the old device revoked and wiped (token at the relay,
//    WIPE on its `down`), a new code for exactly its scopes; the new device enrols with it and
//    holds what the old one held, the old one gets nothing new.

#include "client/relayhttp.h"
#include "client/wipecheck.h"
#include "devicetoolkit.h"
#include "e2eharness.h"
#include "faultproxy.h"
#include "hqclikit.h"
#include "testmain.h"

#include "desk/deskstore.h"
#include "desk/enrolment.h"
#include "desk/remotewipe.h"
#include "desktop/softwarekeystore.h"
#include "device/wipefile.h"
#include "model/operation.h"
#include "protocol/enrolment.h"
#include "protocol/wipe.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QNetworkReply>
#include <QSignalSpy>

using namespace liaison;
using namespace liaison::devicetest;
using namespace liaison::hqclitest;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(LIAISON_FIXTURES_DIR "/contacts/") + QString::fromLatin1(name);
}

// liaison-hq on the desk's store, with this process's event loop running meanwhile (the fault
// proxy lives in this process).
Run hqPumping(const Desk &d, QStringList args)
{
    args << QStringLiteral("--store") << d.store() << QStringLiteral("--passphrase-file")
         << d.deskPass() << QStringLiteral("--json");
    QProcess p;
    p.setProgram(hqBinary());
    p.setArguments(args);
    p.setWorkingDirectory(d.dir.path());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIAISON_HQ_TEST_KDF"), QStringLiteral("1"));
    env.remove(QStringLiteral("LIAISON_HQ_STORE"));
    env.insert(QStringLiteral("LIAISON_HQ_OFFICER"), QStringLiteral("test officer"));
    p.setProcessEnvironment(env);
    p.setChildProcessModifier([] { ::setsid(); });
    Run r;
    QSignalSpy finished(&p, &QProcess::finished);
    p.start();
    if (!p.waitForStarted(10000))
        return r;
    p.closeWriteChannel();
    if (!finished.wait(90000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    const QJsonDocument doc = QJsonDocument::fromJson(r.out);
    if (doc.isObject())
        r.json = doc.object();
    return r;
}

struct Reply
{
    int status = 0;
    QByteArray body;
};

Reply http(QNetworkAccessManager &nam, const QByteArray &method, const QUrl &url,
           const QByteArray &body = {}, const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/octet-stream"));
    for (const auto &[k, v] : headers)
        req.setRawHeader(k, v);
    QNetworkReply *reply = nam.sendCustomRequest(req, method, body);
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        done.wait(20000);
    Reply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    reply->deleteLater();
    return out;
}

// The device's side of DESIGN.md "Enrolment" step 2, with the keys it was given.
struct DeviceEnrolment
{
    protocol::EnrolmentCode code;
    protocol::HqCertificate certificate;
    protocol::EnrolmentTranscript transcript;
    QByteArray submission;
    int postStatus = 0;
    QByteArray postBody;

    QString safetyNumber() const { return protocol::safetyNumber(transcript).toString(); }
};

// Parses the code, fetches and verifies the certificate at `relayUrl`, builds and posts the
// submission. Empty optional (with a warning) on any failure before the POST; the POST's status
// is returned as it came.
std::optional<DeviceEnrolment> enrolDevice(QNetworkAccessManager &nam, const QByteArray &codeText,
                                           const QString &relayUrl, const crypto::SignKeyPair &sign,
                                           const crypto::BoxPublicKey &box,
                                           const crypto::SignPublicKey &wipeAck)
{
    DeviceEnrolment e;
    auto code = protocol::parseEnrolmentCode(codeText);
    if (!code) {
        qWarning() << "code:" << code.error().message;
        return std::nullopt;
    }
    e.code = std::move(*code);
    if (auto s = protocol::checkEnrolmentCodeFresh(e.code, QDateTime::currentMSecsSinceEpoch());
        !s) {
        qWarning() << s.error().message;
        return std::nullopt;
    }
    const Reply cert = http(nam, "GET", QUrl(relayUrl + QStringLiteral("/v1/hq-cert")));
    auto accepted = protocol::acceptEnrolmentCertificate(e.code, cert.body,
                                                         QDateTime::currentMSecsSinceEpoch());
    if (!accepted) {
        qWarning() << "certificate:" << cert.status << accepted.error().message;
        return std::nullopt;
    }
    e.certificate = *accepted;
    e.transcript =
        protocol::enrolmentTranscript(e.code, e.certificate, sign.publicKey, box, wipeAck);
    auto sealed = protocol::sealEnrolmentSubmission(e.transcript, sign.secretKey,
                                                    protocol::enrolmentMacKey(e.code.secret));
    if (!sealed) {
        qWarning() << sealed.error().message;
        return std::nullopt;
    }
    e.submission = *sealed;
    const crypto::SecretBytes token =
        protocol::enrolmentTokenHeader(protocol::enrolmentRelayToken(e.code.secret));
    const Reply post = http(
        nam, "POST",
        QUrl(relayUrl + QStringLiteral("/v1/enrol/") + QString::fromLatin1(e.code.device.toHex())),
        e.submission, {{"Liaison-Enrol-Token", token.view().toByteArray()}});
    e.postStatus = post.status;
    e.postBody = post.body;
    return e;
}

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

// A desk from nothing with a relay (and, when `viaProxy`, a fault proxy between desk and relay).
struct World
{
    Desk d;
    relaytest::Deployment dep;
    relaytest::Backend backend;
    relaytest::RelayProcess relay;
    std::unique_ptr<test::FaultProxy> proxy;
    QString relayUrl; // what the device reaches (the relay itself)
    QNetworkAccessManager nam;

    bool start(bool viaProxy)
    {
        if (!d.rootInit())
            return false;
        dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
        dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
        dep.cert.clear(); // the desk installs its own certificate
        QString error;
        if (!relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, backend, &error)) {
            qWarning() << error;
            return false;
        }
        if (!relay.start(d.dir, backend, dep))
            return false;
        relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(relay.port);
        QString deskUrl = relayUrl;
        if (viaProxy) {
            proxy = std::make_unique<test::FaultProxy>(QStringLiteral("127.0.0.1"), relay.port);
            if (!proxy->listen())
                return false;
            deskUrl = proxy->url().toString();
        }
        if (!d.initStore(deskUrl))
            return false;
        for (const char *s : {"post:vienna", "post:berlin"})
            if (hqPumping(d,
                          {QStringLiteral("scope"), QStringLiteral("add"), QString::fromLatin1(s)})
                    .code != 0)
                return false;
        return true;
    }

    Run hq(const QStringList &args) { return hqPumping(d, args); }

    // device add; the code text, or empty.
    QByteArray addDevice(const QStringList &extra = {}, QString *id = nullptr)
    {
        const Run r = hq(QStringList{QStringLiteral("device"), QStringLiteral("add"),
                                     QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                                     QStringLiteral("--label"), QStringLiteral("Vienna officer")} +
                         extra);
        if (r.code != 0) {
            qWarning() << describe(r);
            return {};
        }
        if (id)
            *id = r.json.value(QStringLiteral("id")).toString();
        return r.json.value(QStringLiteral("code")).toString().toLatin1();
    }

    int registeredDevices()
    {
        const Run list = hq({QStringLiteral("device"), QStringLiteral("list")});
        return list.code == 0 ? int(list.json.value(QStringLiteral("devices")).toArray().size())
                              : -1;
    }

    QString enrolmentState(const QString &id)
    {
        const Run r =
            hq({QStringLiteral("device"), QStringLiteral("pending"), QStringLiteral("--all")});
        for (const QJsonValue &v : r.json.value(QStringLiteral("enrolments")).toArray())
            if (v.toObject().value(QStringLiteral("id")).toString() == id)
                return v.toObject().value(QStringLiteral("state")).toString();
        return QStringLiteral("missing");
    }
};

// A device of this process that enrols with a printed code (enrolDevice), and once confirmed
// syncs with the keys the enrolment gave it; WIPE commands it verified are kept.
struct CodeDevice
{
    CodeDevice(World &w, e2e::TestClock &clock, const QString &name)
        : node(w.dep, clock)
        , m_w(w)
        , m_name(name)
    {}

    e2e::DeviceNode node;
    crypto::SignKeyPair wipeAck = crypto::crypto_sign_keypair();
    std::optional<DeviceEnrolment> enrolled;
    QList<protocol::CommandPayload> wipes;

    [[nodiscard]] QString id() const { return QString::fromLatin1(node.id.toHex()); }

    // Its store under the id the code names, and the submission posted (201).
    [[nodiscard]] bool submit(const QByteArray &codeText)
    {
        auto code = protocol::parseEnrolmentCode(codeText);
        if (!code)
            return false;
        node.id = code->device;
        if (!node.openStoreAt(m_w.d.path(m_name + QStringLiteral(".db"))))
            return false;
        enrolled = enrolDevice(m_w.nam, codeText, m_w.relayUrl, node.keys, node.me->boxPublicKey(),
                               wipeAck.publicKey);
        return enrolled && enrolled->postStatus == 201;
    }

    // After device confirm: HQ as the certificate and the code name it, connected to the relay.
    void connect()
    {
        streams::Peer p;
        p.id = protocol::hqParticipantId();
        p.signKey = enrolled->certificate.contentKey;
        p.boxKey = enrolled->code.hqBoxKey;
        p.boxKeyId = enrolled->code.hqBoxKeyId;
        p.signKeyHash = crypto::crypto_generichash(p.signKey.view());
        p.state = streams::PeerState::Active;
        node.directory.m_hq = p;
        node.outbox =
            std::make_unique<streams::StreamOutbox>(*node.db, *node.me, node.directory, node.clock);
        node.receiver = std::make_unique<streams::Receiver>(
            *node.db, *node.me, node.directory, *node.applier, *node.outbox, node.clock);
        node.receiver->setWipeHandler([this](const streams::Command &c) { wipes.append(c); });
        node.connectTo(e2e::endpointFor(m_w.dep, m_w.relay.port));
    }

    // The locked app's check at start: the token at the relay under the wipe id the desk gave.
    [[nodiscard]] std::optional<protocol::WipeToken> tokenAtRelay(const crypto::Id16 &wipeId)
    {
        protocol::WipeTarget t;
        t.deployment = m_w.dep.id;
        t.device = node.id;
        t.signKeyHash = crypto::crypto_generichash(node.keys.publicKey.view());
        t.wipeAckKeyHash = crypto::crypto_generichash(wipeAck.publicKey.view());
        t.wipeId = wipeId;
        t.rootKey = m_w.dep.root.publicKey;
        client::RelayHttp http(&m_w.nam, e2e::endpointFor(m_w.dep, m_w.relay.port),
                               [this] { return node.clock.wallMs(); });
        client::WipeCheck check(http, t);
        std::optional<protocol::WipeToken> token;
        bool done = false;
        QEventLoop loop;
        QObject::connect(
            &check, &client::WipeCheck::finished, &loop,
            [&](client::WipeCheck::Outcome o, const std::optional<protocol::WipeToken> &got) {
                if (o == client::WipeCheck::Outcome::Wipe)
                    token = got;
                done = true;
                loop.quit();
            });
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        check.check();
        if (!done)
            loop.exec();
        return token;
    }

private:
    World &m_w;
    QString m_name;
};

// The submissions list the relay answers GET /v1/enrol/{id} with, replaced by `subs`.
QByteArray withSubmissions(const QByteArray &body, const QList<QByteArray> &subs)
{
    QJsonObject o = QJsonDocument::fromJson(body).object();
    QJsonArray a;
    for (const QByteArray &s : subs)
        a.append(QString::fromLatin1(s.toBase64()));
    o.insert(QStringLiteral("submissions"), a);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TestHqCliEnrol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void enrolFromNothing();
    void codeUsedTwiceIsRefused();
    void expiredEnrolmentIsRefused();
    void relaySwapsSubmissionMacFails();
    void relaySwapsKeysSafetyNumbersDiffer();
    void oneWrongDigitCancels();
    void usageAndBadInput();
    void cancelClosesTheCodeAtTheRelay();
    void replaceRevokesAndEnrolsWithSameScopes();
};

void TestHqCliEnrol::enrolFromNothing()
{
    World w;
    QVERIFY(w.start(false));
    QCOMPARE(w.hq({QStringLiteral("contact"), QStringLiteral("import"), fixture("outlook_cz.csv"),
                   QStringLiteral("--scope"), QStringLiteral("post:vienna")})
                 .code,
             0);
    QCOMPARE(w.hq({QStringLiteral("contact"), QStringLiteral("import"),
                   fixture("windows1250_semicolon.csv"), QStringLiteral("--scope"),
                   QStringLiteral("post:berlin")})
                 .code,
             0);

    // ---- device add: code as text and PNG ----
    const QString png = w.d.path(QStringLiteral("code.png"));
    QString id;
    const QByteArray codeText = w.addDevice({QStringLiteral("--png"), png}, &id);
    QVERIFY(!codeText.isEmpty());
    QVERIFY(codeText.startsWith("LIAISON1-"));
    QFile pngFile(png);
    QVERIFY(pngFile.open(QIODevice::ReadOnly));
    QVERIFY(pngFile.readAll().startsWith("\x89PNG\r\n\x1a\n"));
    QCOMPARE(w.enrolmentState(id), QStringLiteral("pending"));
    // Before the device submitted: no fingerprint, no confirm.
    const Run early = w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), id});
    QCOMPARE(early.code, 1);
    QVERIFY(early.err.contains("not enrolled"));

    // ---- the device enrols headless: liaison-device with the code handed over in a file ----
    const crypto::Id16 deviceId = *crypto::Id16::fromHex(id.toLatin1());
    DeviceDir dev;
    const QString codeFile = w.d.path(QStringLiteral("enrol.code"));
    {
        QFile f(codeFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(codeText + '\n');
    }
    Enrolment tool(dev, {},
                   {QStringLiteral("--code-file"), codeFile, QStringLiteral("--label"),
                    QStringLiteral("Vienna officer"), QStringLiteral("--timeout"),
                    QStringLiteral("120")});
    const QString number = tool.waitForSafetyNumber();
    if (number.isEmpty()) // (QVERIFY2 evaluates its message even when the check passes)
        QFAIL(describe(tool.finish(1000)).constData());

    // ---- the desk: verifying, same safety number on both sides ----
    const Run fp = w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), id.left(8)});
    QVERIFY2(fp.code == 0, describe(fp).constData());
    QCOMPARE(fp.json.value(QStringLiteral("safetyNumber")).toString(), number);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("verifying"));
    QCOMPARE(w.registeredDevices(), 0); // nothing registered before the confirmation

    // ---- confirm with the number the device shows (grouped as on its screen) ----
    const Run confirm = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                              QStringLiteral("--number"), number});
    QVERIFY2(confirm.code == 0, describe(confirm).constData());
    QCOMPARE(confirm.json.value(QStringLiteral("relayRegistered")).toBool(), true);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("confirmed"));
    QCOMPARE(w.registeredDevices(), 1);
    // A second confirm changes nothing.
    QCOMPARE(w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                   QStringLiteral("--number"), number})
                 .code,
             1);

    // ---- the tool saw HQ's RESYNC and ends ----
    const ToolRun done = tool.finish(120000);
    QVERIFY2(done.code == 0, describe(done).constData());
    QVERIFY2(done.out.contains("device: " + id.toLatin1()), done.out.constData());
    QVERIFY2(done.out.contains("in scopes post:vienna"), done.out.constData());

    // ---- publish; the device syncs with the keys enrolment gave it ----
    const Run pub = w.hq({QStringLiteral("publish")});
    QVERIFY2(pub.code == 0, describe(pub).constData());
    const ToolRun sync = dev.run(QStringLiteral("sync"), {QStringLiteral("--json")});
    QVERIFY2(sync.code == 0, describe(sync).constData());
    QCOMPARE(sync.json.value(QStringLiteral("confirmed")).toBool(), true);

    // ---- it holds exactly its scope's records: the desk's post:vienna, nothing of post:berlin --
    const ToolRun rec = dev.run(QStringLiteral("records"), {QStringLiteral("--json")});
    QVERIFY2(rec.code == 0, describe(rec).constData());
    QCOMPARE(rec.json.value(QStringLiteral("held_scopes")).toArray(),
             QJsonArray{QStringLiteral("post:vienna")});
    QStringList held;
    for (const QJsonValue &v : rec.json.value(QStringLiteral("records")).toArray()) {
        QCOMPARE(v.toObject().value(QStringLiteral("scope")).toString(),
                 QStringLiteral("post:vienna"));
        held << v.toObject().value(QStringLiteral("id")).toString();
    }
    QCOMPARE(held.size(), 4); // the Outlook file's contacts
    {
        OpenedDesk opened(w.d);
        QVERIFY(opened.store);
        auto vienna = opened.store->records().records({QStringLiteral("post:vienna")});
        QVERIFY(vienna);
        QStringList expected;
        for (const model::RecordState &r : *vienna)
            if (!r.deleted)
                expected << model::recordIdToString(r.id);
        held.sort();
        expected.sort();
        QCOMPARE(held, expected);
        auto berlin = opened.store->records().records({QStringLiteral("post:berlin")});
        QVERIFY(berlin);
        QVERIFY(!berlin->empty()); // there was something to leak
        const ToolRun other =
            dev.run(QStringLiteral("records"), {QStringLiteral("--json"), QStringLiteral("--scope"),
                                                QStringLiteral("post:berlin")});
        QVERIFY2(other.code == 0, describe(other).constData());
        QCOMPARE(other.json.value(QStringLiteral("count")).toInt(), 0);

        // The RESYNC named the wipe id kept at the desk, and the device's wipe file holds it,
        // with the hash of the wipe-ack key the desk registered.
        auto wipeId = desk::enrolledWipeId(opened.store->database(), deviceId);
        QVERIFY(wipeId && *wipeId);
        auto target = desk::RemoteWipe(*opened.store).status(deviceId);
        QVERIFY(target && *target);
        QCOMPARE((*target)->wipeId, std::optional<crypto::Id16>(**wipeId));
        QVERIFY((*target)->wipeAckKey);
        auto wipeFile = device::readWipeFile(dev.vaultDir());
        QVERIFY(wipeFile && *wipeFile);
        QCOMPARE((*wipeFile)->target.device, deviceId);
        QCOMPARE((*wipeFile)->target.wipeId, **wipeId);
        QCOMPARE((*wipeFile)->target.wipeAckKeyHash,
                 crypto::crypto_generichash((*target)->wipeAckKey->view()));
    }
    const ToolRun st = dev.run(QStringLiteral("status"), {QStringLiteral("--json")});
    QVERIFY2(st.code == 0, describe(st).constData());
    QCOMPARE(st.json.value(QStringLiteral("device")).toString(), id);
    QCOMPARE(st.json.value(QStringLiteral("relay")).toString(), w.relayUrl);
    QCOMPARE(st.json.value(QStringLiteral("records")).toInt(), 4);

    // Every step audited.
    const Run audit =
        w.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("device")});
    QStringList actions;
    for (const QJsonValue &v : audit.json.value(QStringLiteral("entries")).toArray())
        actions.append(v.toObject().value(QStringLiteral("action")).toString());
    for (const char *a :
         {"device.add", "device.enrol.verify", "device.confirm", "device.relay.register"})
        QVERIFY2(actions.contains(QLatin1String(a)), qPrintable(actions.join(QLatin1Char(' '))));
}

void TestHqCliEnrol::codeUsedTwiceIsRefused()
{
    World w;
    QVERIFY(w.start(false));
    QString id;
    const QByteArray code = w.addDevice({}, &id);
    QVERIFY(!code.isEmpty());
    const crypto::SignKeyPair a = crypto::crypto_sign_keypair();
    const crypto::SignKeyPair b = crypto::crypto_sign_keypair();
    auto first = enrolDevice(w.nam, code, w.relayUrl, a, crypto::crypto_box_keypair().publicKey,
                             crypto::crypto_sign_keypair().publicKey);
    QVERIFY(first);
    QCOMPARE(first->postStatus, 201);
    // The desk verified the first one ...
    QCOMPARE(w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), id}).code, 0);
    // ... then the same code is used again by another device (other keys).
    auto second = enrolDevice(w.nam, code, w.relayUrl, b, crypto::crypto_box_keypair().publicKey,
                              crypto::crypto_sign_keypair().publicKey);
    QVERIFY(second);
    QCOMPARE(second->postStatus, 201);
    const Run pending =
        w.hq({QStringLiteral("device"), QStringLiteral("pending"), QStringLiteral("--collect")});
    QVERIFY2(pending.code == 0, describe(pending).constData());
    QCOMPARE(pending.json.value(QStringLiteral("collected"))
                 .toObject()
                 .value(QStringLiteral("cancelled"))
                 .toInt(),
             1);
    QVERIFY(pending.out.contains("used twice"));
    QCOMPARE(w.enrolmentState(id), QStringLiteral("cancelled"));
    // Neither number confirms it now.
    for (const auto *e : {&*first, &*second}) {
        const Run c = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                            QStringLiteral("--number"), e->safetyNumber()});
        QCOMPARE(c.code, 1);
        QVERIFY(c.err.contains("cancelled"));
    }
    QCOMPARE(w.registeredDevices(), 0);
    // The automatic cancel closed the code at the relay too: a third use is answered 401.
    auto third = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                             crypto::crypto_box_keypair().publicKey,
                             crypto::crypto_sign_keypair().publicKey);
    QVERIFY(third);
    QCOMPARE(third->postStatus, 401);

    // Both submissions before the desk looked: refused as well.
    QString id2;
    const QByteArray code2 = w.addDevice({}, &id2);
    QVERIFY(enrolDevice(w.nam, code2, w.relayUrl, a, crypto::crypto_box_keypair().publicKey,
                        crypto::crypto_sign_keypair().publicKey));
    QVERIFY(enrolDevice(w.nam, code2, w.relayUrl, b, crypto::crypto_box_keypair().publicKey,
                        crypto::crypto_sign_keypair().publicKey));
    const Run fp = w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), id2});
    QCOMPARE(fp.code, 1);
    QVERIFY(fp.err.contains("used twice"));
    QCOMPARE(w.registeredDevices(), 0);
}

void TestHqCliEnrol::expiredEnrolmentIsRefused()
{
    World w;
    QVERIFY(w.start(false));
    QString id;
    const QByteArray code = w.addDevice({QStringLiteral("--expires"), QStringLiteral("1")}, &id);
    QVERIFY(!code.isEmpty());
    auto e = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                         crypto::crypto_box_keypair().publicKey,
                         crypto::crypto_sign_keypair().publicKey);
    QVERIFY(e);
    QCOMPARE(e->postStatus, 201);
    // An hour later (the desk's row moved back: the relay's slot is the relay's business).
    {
        OpenedDesk opened(w.d);
        QVERIFY(opened.store);
        auto st = opened.store->database().prepare(
            "UPDATE desk_enrolment SET expires_ms = ?1 WHERE device_id = ?2");
        QVERIFY(st);
        st->bind(1, QDateTime::currentMSecsSinceEpoch() - 1000)
            .bind(2, crypto::Id16::fromHex(id.toLatin1())->view());
        QVERIFY(st->exec());
    }
    const Run c = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                        QStringLiteral("--number"), e->safetyNumber()});
    QCOMPARE(c.code, 1);
    QVERIFY2(c.err.contains("expired"), describe(c).constData());
    QCOMPARE(w.enrolmentState(id), QStringLiteral("expired"));
    QCOMPARE(w.registeredDevices(), 0);
    // The device refuses an expired code itself.
    auto parsed = protocol::parseEnrolmentCode(code);
    QVERIFY(parsed);
    QVERIFY(!protocol::checkEnrolmentCodeFresh(*parsed, parsed->expiresMs + 1));
}

void TestHqCliEnrol::relaySwapsSubmissionMacFails()
{
    World w;
    QVERIFY(w.start(true));
    QString id;
    const QByteArray code = w.addDevice({}, &id);
    QVERIFY(!code.isEmpty());
    auto e = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                         crypto::crypto_box_keypair().publicKey,
                         crypto::crypto_sign_keypair().publicKey);
    QVERIFY(e);
    QCOMPARE(e->postStatus, 201);
    // The relay hands HQ a submission with its own device keys, sealed to HQ's box key (public
    // in the code and at the relay) but without the code's MAC key: MAC fails.
    const crypto::SignKeyPair mallory = crypto::crypto_sign_keypair();
    protocol::EnrolmentTranscript t = e->transcript;
    t.deviceSignKey = mallory.publicKey;
    t.deviceBoxKey = crypto::crypto_box_keypair().publicKey;
    const QByteArray forged = *protocol::sealEnrolmentSubmission(
        t, mallory.secretKey, protocol::enrolmentMacKey(crypto::SymmetricKey::random()));
    w.proxy->addRule({test::FaultProxy::Action::RewriteResponse,
                      "GET",
                      "/v1/enrol/",
                      -1,
                      0,
                      0,
                      [forged](const QByteArray &, const QByteArray &body) {
                          return withSubmissions(body, {forged});
                      },
                      {}});
    const Run fp = w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), id});
    QCOMPARE(fp.code, 1);
    QVERIFY2(fp.out.contains("MAC") || fp.err.contains("MAC"), describe(fp).constData());
    QCOMPARE(w.enrolmentState(id), QStringLiteral("pending"));
    const Run c = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                        QStringLiteral("--number"), e->safetyNumber()});
    QCOMPARE(c.code, 1);
    QCOMPARE(w.registeredDevices(), 0);
    QVERIFY(w.proxy->applied(test::FaultProxy::Action::RewriteResponse) >= 2);
}

void TestHqCliEnrol::relaySwapsKeysSafetyNumbersDiffer()
{
    World w;
    QVERIFY(w.start(true));
    QString id;
    const QByteArray code = w.addDevice({}, &id);
    QVERIFY(!code.isEmpty());
    auto e = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                         crypto::crypto_box_keypair().publicKey,
                         crypto::crypto_sign_keypair().publicKey);
    QVERIFY(e);
    QCOMPARE(e->postStatus, 201);
    // Worse: the swapper saw the code (so it MACs correctly) and puts its own keys in T.
    const crypto::SignKeyPair mallory = crypto::crypto_sign_keypair();
    protocol::EnrolmentTranscript t = e->transcript;
    t.deviceSignKey = mallory.publicKey;
    t.deviceBoxKey = crypto::crypto_box_keypair().publicKey;
    t.deviceWipeAckKey = crypto::crypto_sign_keypair().publicKey;
    const QByteArray forged = *protocol::sealEnrolmentSubmission(
        t, mallory.secretKey, protocol::enrolmentMacKey(e->code.secret));
    w.proxy->addRule({test::FaultProxy::Action::RewriteResponse,
                      "GET",
                      "/v1/enrol/",
                      -1,
                      0,
                      0,
                      [forged](const QByteArray &, const QByteArray &body) {
                          return withSubmissions(body, {forged});
                      },
                      {}});
    const Run fp = w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), id});
    QVERIFY2(fp.code == 0, describe(fp).constData());
    const QString deskNumber = fp.json.value(QStringLiteral("safetyNumber")).toString();
    QVERIFY(deskNumber != e->safetyNumber()); // the desk and the officer see different numbers
    // The officer reads the number on the phone: no match, cancelled, never registered.
    const Run c = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                        QStringLiteral("--number"), e->safetyNumber()});
    QCOMPARE(c.code, 1);
    QVERIFY2(c.err.contains("does not match"), describe(c).constData());
    QCOMPARE(w.enrolmentState(id), QStringLiteral("cancelled"));
    QCOMPARE(w.registeredDevices(), 0);
    // Not even the swapper's own number helps now.
    QCOMPARE(w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                   QStringLiteral("--number"), deskNumber})
                 .code,
             1);
    QCOMPARE(w.registeredDevices(), 0);
}

void TestHqCliEnrol::oneWrongDigitCancels()
{
    World w;
    QVERIFY(w.start(false));
    QString id;
    const QByteArray code = w.addDevice({}, &id);
    auto e = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                         crypto::crypto_box_keypair().publicKey,
                         crypto::crypto_sign_keypair().publicKey);
    QVERIFY(e);
    QCOMPARE(e->postStatus, 201);
    QString digits = protocol::safetyNumber(e->transcript).digits();
    digits[37] = QChar(u'0' + ((digits[37].unicode() - u'0' + 1) % 10));
    // A number with 59 digits is a typo: usage, nothing cancelled.
    const Run typo = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                           QStringLiteral("--number"), digits.left(59)});
    QCOMPARE(typo.code, 2);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("pending")); // not collected yet
    const Run wrong = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                            QStringLiteral("--number"), digits});
    QCOMPARE(wrong.code, 1);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("cancelled"));
    // The right number comes too late.
    QCOMPARE(w.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                   QStringLiteral("--number"), e->safetyNumber()})
                 .code,
             1);
    QCOMPARE(w.registeredDevices(), 0);
    const Run audit = w.hq({QStringLiteral("audit"), QStringLiteral("--action"),
                            QStringLiteral("device.enrol.mismatch")});
    QCOMPARE(audit.json.value(QStringLiteral("entries")).toArray().size(), 1);
    // The mismatch closed the code at the relay: whoever holds it cannot submit again.
    auto again = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                             crypto::crypto_box_keypair().publicKey,
                             crypto::crypto_sign_keypair().publicKey);
    QVERIFY(again);
    QCOMPARE(again->postStatus, 401);
}

void TestHqCliEnrol::usageAndBadInput()
{
    World w;
    QVERIFY(w.start(false));
    const auto code = [&](const QStringList &args) {
        return w.hq(args).code;
    };
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("add")}), 2); // no scope
    QCOMPARE(
        code({QStringLiteral("device"), QStringLiteral("add"), QStringLiteral("--scope"),
              QStringLiteral("post:vienna"), QStringLiteral("--expires"), QStringLiteral("73")}),
        2);
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("add"), QStringLiteral("--scope"),
                   QStringLiteral("post:nowhere")}),
             1);
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("confirm")}), 2);
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("confirm"), QStringLiteral("xyz")}), 2);
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("confirm"),
                   QStringLiteral("0123456789abcdef"), QStringLiteral("--number"),
                   QStringLiteral("12345")}),
             2);
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("fingerprint"),
                   QStringLiteral("0123456789abcdef")}),
             1); // no such enrolment
    const Run help =
        runHq({QStringLiteral("device"), QStringLiteral("add"), QStringLiteral("--help")});
    QCOMPARE(help.code, 0);
    QVERIFY(help.out.contains("--scope"));
    // A confirm without --number and without a terminal: usage, nothing cancelled.
    QString id;
    const QByteArray c = w.addDevice({}, &id);
    QVERIFY(enrolDevice(w.nam, c, w.relayUrl, crypto::crypto_sign_keypair(),
                        crypto::crypto_box_keypair().publicKey,
                        crypto::crypto_sign_keypair().publicKey));
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("confirm"), id}), 2);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("verifying"));
    // cancel
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("cancel"), id}), 0);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("cancelled"));
    QCOMPARE(code({QStringLiteral("device"), QStringLiteral("cancel"), id}), 1);
}

void TestHqCliEnrol::cancelClosesTheCodeAtTheRelay()
{
    World w;
    QVERIFY(w.start(false));
    QString id;
    const QByteArray code = w.addDevice({}, &id);
    QVERIFY(!code.isEmpty());
    const Run cancel = w.hq({QStringLiteral("device"), QStringLiteral("cancel"), id});
    QVERIFY2(cancel.code == 0, describe(cancel).constData());
    QCOMPARE(cancel.json.value(QStringLiteral("relayClosed")).toBool(), true);
    QCOMPARE(w.enrolmentState(id), QStringLiteral("cancelled"));

    // The officer enrols with the cancelled code: liaison-device is refused by the relay at once
    // (not a safety number and a wait until --timeout or the code's expiry), and keeps nothing.
    DeviceDir dev;
    QElapsedTimer t;
    t.start();
    const ToolRun refused =
        dev.run(QStringLiteral("enrol"), {QStringLiteral("--code"), QString::fromLatin1(code),
                                          QStringLiteral("--timeout"), QStringLiteral("60")});
    QVERIFY2(refused.code == 1, describe(refused).constData());
    QVERIFY2(!refused.out.contains("Safety number"), describe(refused).constData());
    QVERIFY2(refused.err.contains("HQ cancelled or replaced it"), describe(refused).constData());
    QVERIFY2(t.elapsed() < 30000, QByteArray::number(t.elapsed()).constData());
    QVERIFY(!QFileInfo::exists(dev.vaultDir()));
    // The same at the protocol level: the relay answers the code's token with 401.
    auto posted = enrolDevice(w.nam, code, w.relayUrl, crypto::crypto_sign_keypair(),
                              crypto::crypto_box_keypair().publicKey,
                              crypto::crypto_sign_keypair().publicKey);
    QVERIFY(posted);
    QCOMPARE(posted->postStatus, 401);
    const Run audit =
        w.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("device")});
    QVERIFY2(audit.out.contains("device.enrol.relay.close"), audit.out.constData());

    // The relay unreachable: the desk's cancel holds, the failure at the relay is reported.
    QString second;
    QVERIFY(!w.addDevice({}, &second).isEmpty());
    w.relay.stop();
    const Run offline = w.hq({QStringLiteral("device"), QStringLiteral("cancel"), second});
    QVERIFY2(offline.code == 1, describe(offline).constData());
    QCOMPARE(offline.json.value(QStringLiteral("relayClosed")).toBool(), false);
    QVERIFY(!offline.json.value(QStringLiteral("relayError")).toString().isEmpty());
    QVERIFY2(offline.err.contains("cancelled at the desk"), offline.err.constData());
    QCOMPARE(w.enrolmentState(second), QStringLiteral("cancelled"));
}

void TestHqCliEnrol::replaceRevokesAndEnrolsWithSameScopes()
{
    World w;
    QVERIFY(w.start(false));
    const QString vienna = QStringLiteral("post:vienna");
    const QString berlin = QStringLiteral("post:berlin");
    const QString rome = QStringLiteral("post:rome");
    QCOMPARE(w.hq({QStringLiteral("scope"), QStringLiteral("add"), rome}).code, 0);
    QCOMPARE(w.hq({QStringLiteral("contact"), QStringLiteral("import"), fixture("outlook_cz.csv"),
                   QStringLiteral("--scope"), vienna})
                 .code,
             0);
    QCOMPARE(w.hq({QStringLiteral("contact"), QStringLiteral("import"),
                   fixture("windows1250_semicolon.csv"), QStringLiteral("--scope"), berlin})
                 .code,
             0);
    QCOMPARE(w.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                   rome, QStringLiteral("--name"), QStringLiteral("Giulia Rossi")})
                 .code,
             0);
    const QStringList both{berlin, vienna}; // sorted, as a device holds them

    // ---- device A enrols with {vienna, berlin} and syncs ----
    e2e::TestClock clock;
    CodeDevice a(w, clock, QStringLiteral("a"));
    QString aId;
    const QByteArray aCode = w.addDevice({QStringLiteral("--scope"), berlin}, &aId);
    QVERIFY(!aCode.isEmpty());
    QVERIFY(a.submit(aCode));
    QCOMPARE(a.id(), aId);
    const Run aConfirm = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), aId,
                               QStringLiteral("--number"), a.enrolled->safetyNumber()});
    QVERIFY2(aConfirm.code == 0, describe(aConfirm).constData());
    QVERIFY2(w.hq({QStringLiteral("publish")}).code == 0, "publish");
    w.dep.content.publicKey = a.enrolled->certificate.contentKey;
    a.connect();
    QVERIFY(a.node.syncOnce());
    QCOMPARE(a.node.records->scopes(), both);
    const QByteArray aHeld = e2e::dump(*a.node.records, both);
    QVERIFY(!aHeld.isEmpty());

    // ---- device replace A ----
    const QString png = w.d.path(QStringLiteral("replacement.png"));
    const Run replace = w.hq({QStringLiteral("device"), QStringLiteral("replace"), aId.left(8),
                              QStringLiteral("--png"), png, QStringLiteral("--label"),
                              QStringLiteral("new phone")});
    QVERIFY2(replace.code == 0, describe(replace).constData());
    // device add's fields, plus the old id.
    QCOMPARE(replace.json.value(QStringLiteral("replaces")).toString(), aId);
    const QString bId = replace.json.value(QStringLiteral("id")).toString();
    QCOMPARE(bId.size(), 32);
    QVERIFY(bId != aId);
    QStringList scopes;
    for (const QJsonValue &v : replace.json.value(QStringLiteral("scopes")).toArray())
        scopes.append(v.toString());
    scopes.sort();
    QCOMPARE(scopes, both);
    QVERIFY(!replace.json.value(QStringLiteral("expires")).toString().isEmpty());
    QCOMPARE(replace.json.value(QStringLiteral("png")).toString(), png);
    QFile pngFile(png);
    QVERIFY(pngFile.open(QIODevice::ReadOnly));
    QVERIFY(pngFile.readAll().startsWith("\x89PNG\r\n\x1a\n"));
    const QByteArray bCode = replace.json.value(QStringLiteral("code")).toString().toLatin1();
    QVERIFY(bCode.startsWith("LIAISON1-"));
    QCOMPARE(w.enrolmentState(bId), QStringLiteral("pending"));
    // A is revoked as device revoke revokes: wipe-only, memberships dropped, the wipe on both
    // paths.
    const QJsonObject revoked = replace.json.value(QStringLiteral("revoked")).toObject();
    QCOMPARE(revoked.value(QStringLiteral("state")).toString(), QStringLiteral("wipe-only"));
    QVERIFY(revoked.value(QStringLiteral("relay")).toBool());
    const QJsonObject wipe = revoked.value(QStringLiteral("wipe")).toObject();
    QVERIFY(wipe.value(QStringLiteral("sentOnDown")).toBool());
    QVERIFY(wipe.value(QStringLiteral("tokenPublished")).toBool());
    const QString commandId = wipe.value(QStringLiteral("commandId")).toString();
    QCOMPARE(commandId.size(), 32);
    {
        const Run list = w.hq({QStringLiteral("device"), QStringLiteral("list")});
        bool found = false;
        for (const QJsonValue &v : list.json.value(QStringLiteral("devices")).toArray()) {
            const QJsonObject d = v.toObject();
            if (d.value(QStringLiteral("id")).toString() != aId)
                continue;
            found = true;
            QCOMPARE(d.value(QStringLiteral("state")).toString(), QStringLiteral("wipe-only"));
            QCOMPARE(d.value(QStringLiteral("scopes")).toArray(), QJsonArray());
        }
        QVERIFY2(found, list.out.constData());
    }
    std::optional<crypto::Id16> aWipeId;
    {
        OpenedDesk opened(w.d);
        QVERIFY(opened.store);
        auto id = desk::enrolledWipeId(opened.store->database(), a.node.id);
        QVERIFY(id && *id);
        aWipeId = **id;
    }
    const auto token = a.tokenAtRelay(*aWipeId);
    QVERIFY(token);
    QCOMPARE(QString::fromLatin1(token->commandId.toHex()), commandId);
    // Audited.
    const Run audit = w.hq(
        {QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("device.replace")});
    const QJsonArray entries = audit.json.value(QStringLiteral("entries")).toArray();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries.first().toObject().value(QStringLiteral("target")).toString(), aId);

    // ---- B enrols with the printed code ----
    CodeDevice b(w, clock, QStringLiteral("b"));
    QVERIFY(b.submit(bCode));
    QCOMPARE(b.id(), bId);
    const Run fp = w.hq({QStringLiteral("device"), QStringLiteral("fingerprint"), bId});
    QVERIFY2(fp.code == 0, describe(fp).constData());
    QCOMPARE(fp.json.value(QStringLiteral("safetyNumber")).toString(), b.enrolled->safetyNumber());
    const Run bConfirm = w.hq({QStringLiteral("device"), QStringLiteral("confirm"), bId,
                               QStringLiteral("--number"), b.enrolled->safetyNumber()});
    QVERIFY2(bConfirm.code == 0, describe(bConfirm).constData());
    QStringList confirmed;
    for (const QJsonValue &v : bConfirm.json.value(QStringLiteral("scopes")).toArray())
        confirmed.append(v.toString());
    confirmed.sort();
    QCOMPARE(confirmed, both);

    // ---- a new record, publish: B holds exactly S1 and S2, A gets nothing new but the WIPE ----
    QCOMPARE(w.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                   vienna, QStringLiteral("--name"), QStringLiteral("Petr Svoboda")})
                 .code,
             0);
    const Run pub = w.hq({QStringLiteral("publish")});
    QVERIFY2(pub.code == 0, describe(pub).constData());
    b.connect();
    QVERIFY(b.node.syncOnce());
    QCOMPARE(b.node.records->scopes(), both);
    {
        OpenedDesk opened(w.d);
        QVERIFY(opened.store);
        QCOMPARE(e2e::dump(*b.node.records, both), e2e::dump(opened.store->records(), both));
        auto deskCount = opened.store->records().records(both);
        auto bCount = b.node.records->recordCount();
        QVERIFY(deskCount && bCount);
        QCOMPARE(*bCount, qint64(deskCount->size())); // nothing of post:rome
    }
    QVERIFY(a.node.syncOnce());
    QCOMPARE(a.wipes.size(), 1);
    QCOMPARE(QString::fromLatin1(a.wipes.first().commandId.toHex()), commandId);
    QCOMPARE(e2e::dump(*a.node.records, both), aHeld);

    // ---- refusals ----
    const Run again = w.hq({QStringLiteral("device"), QStringLiteral("replace"), aId});
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("replaced already"), again.err.constData());
    QCOMPARE(again.json.value(QStringLiteral("ok")).toBool(true), false);
    const Run unknown =
        w.hq({QStringLiteral("device"), QStringLiteral("replace"), QStringLiteral("abcdef12")});
    QCOMPARE(unknown.code, 1);
    QVERIFY(unknown.err.contains("no device abcdef12"));
    QCOMPARE(w.hq({QStringLiteral("device"), QStringLiteral("replace")}).code, 2);
    QCOMPARE(w.hq({QStringLiteral("device"), QStringLiteral("replace"), bId,
                   QStringLiteral("--expires"), QStringLiteral("0")})
                 .code,
             2);
    const Run help =
        runHq({QStringLiteral("device"), QStringLiteral("replace"), QStringLiteral("--help")});
    QCOMPARE(help.code, 0);
    QVERIFY(help.out.contains("device replace [options] ID"));
    QVERIFY(help.out.contains("--png"));
    QCOMPARE(w.registeredDevices(), 2);

    // ---- for people: B replaced in turn, the revocation and the code as device add prints it ----
    const Run human =
        runHq({QStringLiteral("device"), QStringLiteral("replace"), bId, QStringLiteral("--store"),
               w.d.store(), QStringLiteral("--passphrase-file"), w.d.deskPass()},
              {}, w.d.dir.path());
    QVERIFY2(human.code == 0, describe(human).constData());
    QVERIFY2(human.out.contains("device " + bId.left(8).toLatin1() + " revoked: wipe-only"),
             human.out.constData());
    QVERIFY(human.out.contains("post:berlin, post:vienna"));
    QVERIFY(human.out.contains("one-time enrolment code"));
    QVERIFY(human.out.contains("LIAISON1-"));
    QVERIFY(human.out.contains("\xe2\x96\x88") || human.out.contains("\xe2\x96\x80")); // the QR
}

LIAISON_TEST_MAIN(TestHqCliEnrol)
#include "tst_hqcli_enrol.moc"
