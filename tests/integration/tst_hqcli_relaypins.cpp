// `liaison-hq relay pins set` (issue 12, DESIGN.md "Relay"): the relay's TLS pins rolled over by a
// signed POLICY. Here the command line (help, usage errors that change nothing, --json, audit)
// and what the desk keeps: the new pins in desk_config, the policy version, and the previous set
// that the desk itself still accepts. tst_device_tool_pins runs the rollover end to end.

#include "hqclikit.h"
#include "testmain.h"

#include "client/relayhttp.h"
#include "desk/deskpolicy.h"
#include "desk/deskrelay.h"
#include "desk/deskstore.h"
#include "desktop/softwarekeystore.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

namespace {

QString hexPin(char c)
{
    return QString::fromLatin1(QByteArray(32, c).toHex());
}

QStringList relayPinsOf(const Desk &d)
{
    QStringList out;
    for (const QJsonValue &v :
         d.hq({QStringLiteral("status")}).json.value(QStringLiteral("relayPins")).toArray())
        out.append(v.toString());
    return out;
}

int auditEntries(const Desk &d)
{
    return int(
        d.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("relay.pins")})
            .json.value(QStringLiteral("entries"))
            .toArray()
            .size());
}

Run pinsSet(const Desk &d, const QStringList &pins, QStringList extra = {})
{
    QStringList args{QStringLiteral("relay"), QStringLiteral("pins"), QStringLiteral("set")};
    for (const QString &p : pins)
        args << QStringLiteral("--pin") << p;
    return d.hq(args + extra);
}

} // namespace

class TestHqCliRelayPins : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_desk.setUp()); }
    void helpAndUsageErrorsChangeNothing();
    void rolloverKeepsThePreviousSetForTheDesk(); // after the usage errors, on the same desk

private:
    Desk m_desk; // one desk for both (setting one up costs three liaison-hq runs)
};

void TestHqCliRelayPins::helpAndUsageErrorsChangeNothing()
{
    const Run help = runHq({QStringLiteral("relay"), QStringLiteral("pins"), QStringLiteral("set"),
                            QStringLiteral("--help")});
    QCOMPARE(help.code, 0);
    QVERIFY2(help.out.startsWith("Usage: liaison-hq relay pins set [options]"), help.out.data());
    QVERIFY(help.out.contains("--pin"));
    QVERIFY(help.out.contains("--json"));

    const Desk &d = m_desk;
    const struct
    {
        QStringList pins;
        QStringList extra;
        const char *says;
    } bad[] = {
        {{}, {}, "give the relay's new pins with --pin"},
        {{hexPin('a'), hexPin('b'), hexPin('c'), hexPin('d'), hexPin('e')}, {}, "at most 4"},
        {{QStringLiteral("xyz")}, {}, "\"xyz\" is not a relay pin"},
        {{hexPin('a').left(63)}, {}, "is not a relay pin"},
        {{hexPin('a'), hexPin('a')}, {}, "is given twice"},
        {{hexPin('a')}, {QStringLiteral("extra")}, "takes no arguments"},
    };
    for (const auto &b : bad) {
        const Run r = pinsSet(d, b.pins, b.extra);
        QVERIFY2(r.code == 2, describe(r).constData());
        QVERIFY2(r.err.contains(b.says), describe(r).constData());
    }
    QCOMPARE(relayPinsOf(d), QStringList());
    QCOMPARE(auditEntries(d), 0);
}

void TestHqCliRelayPins::rolloverKeepsThePreviousSetForTheDesk()
{
    const Desk &d = m_desk;
    // 64 hex digits or base64, as `init --relay-pin` takes them; kept as hex.
    const Run first =
        pinsSet(d, {hexPin('a'), QString::fromLatin1(QByteArray(32, 'b').toBase64())});
    QVERIFY2(first.code == 0, describe(first).constData());
    QCOMPARE(first.json.value(QStringLiteral("pins")).toArray(),
             QJsonArray({hexPin('a'), hexPin('b')}));
    QCOMPARE(first.json.value(QStringLiteral("previousPins")).toArray(), QJsonArray());
    QCOMPARE(first.json.value(QStringLiteral("policyVersion")).toInt(), 1);
    QCOMPARE(first.json.value(QStringLiteral("queued")).toArray(), QJsonArray()); // no devices
    QCOMPARE(relayPinsOf(d), QStringList({hexPin('a'), hexPin('b')}));

    const Run second = pinsSet(d, {hexPin('c')});
    QVERIFY2(second.code == 0, describe(second).constData());
    QCOMPARE(second.json.value(QStringLiteral("policyVersion")).toInt(), 2);
    QCOMPARE(second.json.value(QStringLiteral("previousPins")).toArray(),
             QJsonArray({hexPin('a'), hexPin('b')}));
    QCOMPARE(relayPinsOf(d), QStringList({hexPin('c')}));
    QCOMPARE(auditEntries(d), 2);

    // Human output names the version and the next step.
    const Run human = runHq({QStringLiteral("relay"), QStringLiteral("pins"), QStringLiteral("set"),
                             QStringLiteral("--pin"), hexPin('d'), QStringLiteral("--store"),
                             d.store(), QStringLiteral("--passphrase-file"), d.deskPass()});
    QVERIFY2(human.code == 0, describe(human).constData());
    QVERIFY2(human.out.contains("policy version 3"), human.out.constData());
    QVERIFY(human.out.contains("liaison-hq publish"));

    // The desk: the current policy carries the new pins; its own endpoint still accepts the
    // set before the last rollover.
    platform::SoftwareKeyStore keys(QDir(d.store()).filePath(QStringLiteral("keystore")));
    SystemClock vaultClock;
    SystemClock clock;
    vault::VaultOptions o;
    o.kdf = crypto::kTestKdfParams;
    auto store = desk::DeskStore::open(d.store(), crypto::SecretBytes::copyOf(kDeskPassphrase),
                                       keys, vaultClock, clock, o);
    QVERIFY2(store, store ? "" : qPrintable(store.error().message));
    auto policy = desk::DeskPolicy(**store).current();
    QVERIFY(policy && *policy);
    QCOMPARE((*policy)->version, std::uint64_t(3));
    QVERIFY((*policy)->relayPins);
    QCOMPARE(*(*policy)->relayPins,
             QList<protocol::RelayPin>{*protocol::RelayPin::fromBytes(QByteArray(32, 'd'))});
    QCOMPARE((*store)->config().previousRelayPins, QStringList({hexPin('c')}));
    auto endpoint = desk::relayEndpoint((*store)->config());
    QVERIFY(endpoint);
    QCOMPARE(endpoint->pins.size(), 2);
    QVERIFY(endpoint->pins.contains(*client::SpkiPin::fromBytes(QByteArray(32, 'd'))));
    QVERIFY(endpoint->pins.contains(*client::SpkiPin::fromBytes(QByteArray(32, 'c'))));
    QVERIFY(!endpoint->pins.contains(*client::SpkiPin::fromBytes(QByteArray(32, 'a'))));
}

LIAISON_TEST_MAIN(TestHqCliRelayPins)
#include "tst_hqcli_relaypins.moc"
