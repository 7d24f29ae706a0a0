// Issue 12, DESIGN.md "Relay": the relay's TLS pins rolled over by a signed POLICY, end to end
// with real processes: liaison-relay serving TLS key A, a desk made with liaison-hq whose
// enrolment codes pin {A, B}, and two devices enrolled with liaison-device.
//
// The desk rolls the pins to {B, C} (`liaison-hq relay pins set`) and publishes the POLICY over
// A. One device syncs and takes the new set (profile and wipe file); the relay then restarts on
// the same port with key C. That device syncs again over C, while the one that missed the
// POLICY still pins {A, B} and is refused with the pin message. The desk keeps reaching the
// relay across the switch (it accepts the previous set too until the next rollover).

#include "devicetoolkit.h"
#include "hqclikit.h"
#include "relaytestkit.h"
#include "testmain.h"
#include "testtls.h"

#include "client/relayhttp.h"
#include "device/wipefile.h"

#include <QJsonArray>
#include <QSslCertificate>

using namespace liaison;
using namespace liaison::devicetest;
using namespace liaison::hqclitest;

namespace {

QString pinOf(const test::TestCertificate &cert)
{
    return QString::fromLatin1(
        client::spkiSha256(QSslCertificate(cert.certPem, QSsl::Pem)).toHex());
}

// device add, liaison-device enrol, device confirm for each device directory, the tools running
// side by side; false (with a warning) when one did not enrol.
bool enrolAll(const Desk &d, const QList<const DeviceDir *> &devs)
{
    QStringList ids;
    std::vector<std::unique_ptr<Enrolment>> tools;
    for (const DeviceDir *dev : devs) {
        const Run add = d.hq({QStringLiteral("device"), QStringLiteral("add"),
                              QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                              QStringLiteral("--label"), QStringLiteral("Vienna officer")});
        if (add.code != 0) {
            qWarning() << describe(add);
            return false;
        }
        ids.append(add.json.value(QStringLiteral("id")).toString());
        tools.push_back(std::make_unique<Enrolment>(
            *dev, add.json.value(QStringLiteral("code")).toString().toLatin1(),
            QStringList{QStringLiteral("--timeout"), QStringLiteral("60")}));
    }
    for (std::size_t i = 0; i < tools.size(); ++i) {
        const QString number = tools[i]->waitForSafetyNumber();
        if (number.isEmpty()) {
            qWarning() << describe(tools[i]->finish(1000));
            return false;
        }
        const Run confirm = d.hq({QStringLiteral("device"), QStringLiteral("confirm"), ids[int(i)],
                                  QStringLiteral("--number"), number});
        if (confirm.code != 0) {
            qWarning() << describe(confirm);
            return false;
        }
    }
    for (auto &tool : tools) {
        const ToolRun done = tool->finish(60000);
        if (done.code != 0) {
            qWarning() << describe(done);
            return false;
        }
    }
    return true;
}

QStringList wipeFilePins(const DeviceDir &dev)
{
    auto f = device::readWipeFile(dev.vaultDir());
    return f && *f ? (*f)->relayPins : QStringList{QStringLiteral("(no wipe file)")};
}

} // namespace

class TestDeviceToolPins : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void policyRollsTheRelayPinsOver();
};

void TestDeviceToolPins::policyRollsTheRelayPinsOver()
{
    QElapsedTimer timer;
    timer.start();
    Desk d;
    QVERIFY(d.rootInit());
    relaytest::Deployment dep;
    dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
    dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
    dep.cert.clear(); // the desk installs its own certificate
    relaytest::Backend backend;
    QString error;
    QVERIFY2(relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, backend, &error),
             qPrintable(error));
    const QString host = QStringLiteral("127.0.0.1");
    const test::TestCertificate keyA = test::makeSelfSignedCertificate(
        d.dir.path(), QStringLiteral("keyA"), host, QStringLiteral("IP:127.0.0.1"));
    const test::TestCertificate keyC = test::makeSelfSignedCertificate(
        d.dir.path(), QStringLiteral("keyC"), host, QStringLiteral("IP:127.0.0.1"));
    QVERIFY(!keyA.certPem.isEmpty() && !keyC.certPem.isEmpty());
    const QString pinA = pinOf(keyA);
    const QString pinB = QString::fromLatin1(crypto::randomFixed<crypto::Hash32>().toHex());
    const QString pinC = pinOf(keyC);
    QVERIFY(pinA != pinC);

    relaytest::RelayProcess relay;
    const auto tls = [](const test::TestCertificate &c) {
        return QStringList{QStringLiteral("--tls-cert"), c.certPath, QStringLiteral("--tls-key"),
                           c.keyPath};
    };
    QVERIFY(relay.start(d.dir, backend, dep, tls(keyA), /*plainHttp*/ false));
    const quint16 port = relay.port;
    const QString url = QStringLiteral("https://127.0.0.1:%1").arg(port);

    // ---- the desk: pins {A, B} in every enrolment code ----
    const Run init = d.hq({QStringLiteral("init"), QStringLiteral("--root"), d.root(),
                           QStringLiteral("--relay-url"), url, QStringLiteral("--relay-pin"), pinA,
                           QStringLiteral("--relay-pin"), pinB});
    QVERIFY2(init.code == 0, describe(init).constData());
    const Run cert =
        d.hq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"), d.root(),
              QStringLiteral("--root-passphrase-file"), d.rootPass()});
    QVERIFY2(cert.code == 0, describe(cert).constData());
    QCOMPARE(
        d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")}).code,
        0);
    const Run pub0 = d.hq({QStringLiteral("publish")});
    QVERIFY2(pub0.code == 0, describe(pub0).constData());

    qInfo("setup: %lld ms", qint64(timer.elapsed()));
    DeviceDir early; // syncs while the relay still serves A
    DeviceDir late;  // misses the POLICY
    QVERIFY(enrolAll(d, {&early, &late}));
    QCOMPARE(wipeFilePins(early), QStringList({pinA, pinB}));

    qInfo("enrolled: %lld ms", qint64(timer.elapsed()));
    // ---- roll over to {B, C}: the POLICY goes out over A ----
    const Run set = d.hq({QStringLiteral("relay"), QStringLiteral("pins"), QStringLiteral("set"),
                          QStringLiteral("--pin"), pinB, QStringLiteral("--pin"), pinC});
    QVERIFY2(set.code == 0, describe(set).constData());
    QCOMPARE(set.json.value(QStringLiteral("queued")).toArray().size(), 2);
    const Run pub1 = d.hq({QStringLiteral("publish")});
    QVERIFY2(pub1.code == 0, describe(pub1).constData());
    QVERIFY(pub1.json.value(QStringLiteral("delivered")).toInt() >= 2);

    const ToolRun s1 = early.run(QStringLiteral("sync"), {QStringLiteral("--json")});
    QVERIFY2(s1.code == 0, describe(s1).constData());
    QCOMPARE(wipeFilePins(early), QStringList({pinB, pinC}));
    QCOMPARE(wipeFilePins(late), QStringList({pinA, pinB}));

    qInfo("first sync: %lld ms", qint64(timer.elapsed()));
    // ---- the relay switches to key C on the same address ----
    relay.stop();
    relay.listenAddress = QStringLiteral("127.0.0.1:%1").arg(port);
    QVERIFY2(relay.start(d.dir, backend, dep, tls(keyC), /*plainHttp*/ false),
             relay.logTail().constData());
    QCOMPARE(relay.port, port);

    qInfo("relay restarted: %lld ms", qint64(timer.elapsed()));
    const ToolRun s2 = early.run(QStringLiteral("sync"), {QStringLiteral("--json")});
    QVERIFY2(s2.code == 0, describe(s2).constData());
    QCOMPARE(s2.json.value(QStringLiteral("ok")).toBool(), true);
    qInfo("early synced over C: %lld ms", qint64(timer.elapsed()));
    const ToolRun s3 = late.run(QStringLiteral("sync"), {QStringLiteral("--json")});
    QVERIFY2(s3.code == 1, describe(s3).constData());
    QVERIFY2(s3.json.value(QStringLiteral("error"))
                 .toString()
                 .contains(QStringLiteral("TLS key of the relay is not pinned")),
             describe(s3).constData());
    QCOMPARE(wipeFilePins(late), QStringList({pinA, pinB}));

    qInfo("late refused: %lld ms", qint64(timer.elapsed()));
    // The desk reaches the relay over C (its new set) as it did over A (its previous set).
    const Run pub2 = d.hq({QStringLiteral("publish")});
    QVERIFY2(pub2.code == 0, describe(pub2).constData());
    qInfo("pin rollover end to end: %lld ms", qint64(timer.elapsed()));
}

LIAISON_TEST_MAIN(TestDeviceToolPins)
#include "tst_device_tool_pins.moc"
