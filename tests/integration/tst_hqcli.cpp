// liaison-hq as a desk officer runs it (issue 10): the real binary as a child process against
// real stores. Here: the command line itself (help, exit codes, JSON, passphrase sources), the
// offline root key, the desk store and its certificate, scopes and the audit log.

#include "hqclikit.h"
#include "testmain.h"

#include "desk/deskstore.h"
#include "desk/rootkeyfile.h"
#include "desktop/softwarekeystore.h"
#include "protocol/hqcert.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyCommandHasHelp();
    void usageErrorsExitTwo();
    void rootKeyFileIsOfflineAndEncrypted();
    void initAndCertificate();
    void relayAddressRules();
    void wrongPassphrasesFail();
    void passphraseFromStdin();
    void scopes();
    void auditNamesEveryAction();
    void deskStoreNeverHoldsTheRootSecret();
};

void TestHqCli::everyCommandHasHelp()
{
    const Run all = runHq({QStringLiteral("--help")});
    QCOMPARE(all.code, 0);
    // Every command the list names answers --help with its own usage line.
    QStringList names;
    for (const QByteArray &line : all.out.split('\n')) {
        if (!line.startsWith("  ") || line.trimmed().isEmpty())
            continue;
        // The command's words (one to three) end where two spaces begin its summary.
        const QByteArray trimmed = line.trimmed();
        const qsizetype end = trimmed.indexOf("  ");
        names.append(QString::fromUtf8(end > 0 ? trimmed.left(end) : trimmed));
    }
    for (const char *expected : {"root init", "cert issue", "init", "status", "audit", "scope add",
                                 "scope list", "scope members", "relay pins set"})
        QVERIFY2(names.contains(QString::fromLatin1(expected)), expected);
    for (const QString &name : names) {
        QStringList args = name.split(QLatin1Char(' '));
        args << QStringLiteral("--help");
        const Run r = runHq(args);
        QVERIFY2(r.code == 0, describe(r).constData());
        QVERIFY2(r.out.startsWith("Usage: liaison-hq " + name.toUtf8() + " [options]"),
                 r.out.constData());
        QVERIFY(r.out.contains("--json"));
        QVERIFY(r.out.contains("--passphrase-file"));
    }
    // A group without its sub-command lists the group.
    const Run group = runHq({QStringLiteral("scope"), QStringLiteral("--help")});
    QCOMPARE(group.code, 0);
    QVERIFY(group.out.contains("liaison-hq scope add"));
}

void TestHqCli::usageErrorsExitTwo()
{
    QTemporaryDir dir;
    QCOMPARE(runHq({}).code, 2);
    QCOMPARE(runHq({QStringLiteral("frobnicate")}).code, 2);
    QCOMPARE(runHq({QStringLiteral("scope")}).code, 2);
    QCOMPARE(runHq({QStringLiteral("status"), QStringLiteral("--no-such-option")}).code, 2);
    // No store named anywhere.
    const Run noStore = runHq({QStringLiteral("status")});
    QCOMPARE(noStore.code, 2);
    QVERIFY(noStore.err.contains("LIAISON_HQ_STORE"));
    // root init without --out.
    QCOMPARE(runHq({QStringLiteral("root"), QStringLiteral("init")}).code, 2);
    // No terminal and no passphrase file: a usage error, never a prompt that waits.
    const Run noTty = runHq({QStringLiteral("root"), QStringLiteral("init"),
                             QStringLiteral("--out"), dir.filePath(QStringLiteral("r.key"))});
    QCOMPARE(noTty.code, 2);
    QVERIFY(noTty.err.contains("--passphrase-file"));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("r.key"))));
    // A store that does not exist is a failure, not a usage error.
    QVERIFY(QFile(dir.filePath(QStringLiteral("p"))).open(QIODevice::WriteOnly));
    const Run missing = runHq({QStringLiteral("status"), QStringLiteral("--store"),
                               dir.filePath(QStringLiteral("nothing")), QStringLiteral("--json")});
    QCOMPARE(missing.code, 1);
    QCOMPARE(missing.json.value(QStringLiteral("ok")).toBool(true), false);
    QCOMPARE(missing.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
             QStringLiteral("not_found"));
}

void TestHqCli::rootKeyFileIsOfflineAndEncrypted()
{
    Desk desk;
    QVERIFY(desk.setUp());
    QFile root(desk.root());
    QVERIFY(root.open(QIODevice::ReadOnly));
    const QByteArray bytes = root.readAll();
    QCOMPARE(bytes.size(), desk::kRootFileBytes);
    QVERIFY(bytes.startsWith("LRK1"));
    QCOMPARE(
        int(QFile::permissions(desk.root()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther)),
        0);
    // The public file holds what liaison-relay --root-key @FILE reads.
    QFile pub(desk.root() + QStringLiteral(".pub"));
    QVERIFY(pub.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromLatin1(pub.readAll().trimmed()), desk.rootPublicKey);
    // The secret opens only with its passphrase; the public header names the deployment.
    auto pubPart = desk::readRootPublic(desk.root());
    QVERIFY(pubPart);
    QCOMPARE(QString::fromLatin1(pubPart->deployment.toHex()), desk.deployment);
    auto wrong =
        desk::openRootKeyFile(desk.root(), crypto::SecretBytes::copyOf("not the root passphrase!"));
    QVERIFY(!wrong);
    QCOMPARE(wrong.error().code, Errc::WrongKey);
    auto right = desk::openRootKeyFile(desk.root(), crypto::SecretBytes::copyOf(kRootPassphrase));
    QVERIFY(right);
    QCOMPARE(QString::fromLatin1(right->keys.publicKey.toHex()), desk.rootPublicKey);
    // Never overwritten.
    const Run again =
        runHq({QStringLiteral("root"), QStringLiteral("init"), QStringLiteral("--out"), desk.root(),
               QStringLiteral("--passphrase-file"), desk.rootPass()});
    QCOMPARE(again.code, 1);
    QFile after(desk.root());
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), bytes);
    // A weak passphrase is refused and writes nothing.
    QVERIFY(desk.writeFile(QStringLiteral("weak.pass"), "1234\n"));
    const Run weak =
        runHq({QStringLiteral("root"), QStringLiteral("init"), QStringLiteral("--out"),
               desk.path(QStringLiteral("weak.key")), QStringLiteral("--passphrase-file"),
               desk.path(QStringLiteral("weak.pass"))});
    QCOMPARE(weak.code, 1);
    QVERIFY(!QFile::exists(desk.path(QStringLiteral("weak.key"))));
    // One changed header byte (the deployment id) and the file no longer opens.
    QVERIFY(test::flipByte(desk.root(), 60));
    const Run tampered =
        desk.hq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"),
                 desk.root(), QStringLiteral("--root-passphrase-file"), desk.rootPass()});
    QCOMPARE(tampered.code, 1);
}

void TestHqCli::initAndCertificate()
{
    Desk desk;
    QVERIFY(desk.setUp());
    const Run status = desk.hq({QStringLiteral("status")});
    QVERIFY2(status.code == 0, describe(status).constData());
    QCOMPARE(status.json.value(QStringLiteral("deployment")).toString(), desk.deployment);
    QCOMPARE(status.json.value(QStringLiteral("rootPublicKey")).toString(), desk.rootPublicKey);
    QCOMPARE(status.json.value(QStringLiteral("relayUrl")).toString(),
             QStringLiteral("http://127.0.0.1:25999"));
    const QJsonObject cert = status.json.value(QStringLiteral("certificate")).toObject();
    QCOMPARE(cert.value(QStringLiteral("serial")).toInt(), 1);
    QVERIFY(cert.value(QStringLiteral("validNow")).toBool());
    // The certificate verifies under the root key and names the desk's content key.
    {
        platform::SoftwareKeyStore keys(QDir(desk.store()).filePath(QStringLiteral("keystore")));
        SystemClock c1, c2;
        vault::VaultOptions o;
        o.kdf = crypto::kTestKdfParams;
        auto store = desk::DeskStore::open(
            desk.store(), crypto::SecretBytes::copyOf(kDeskPassphrase), keys, c1, c2, o);
        QVERIFY(store);
        const auto &c = (*store)->config();
        QVERIFY(c.certificate);
        QVERIFY(protocol::verifyHqCertificateAt(*c.certificate, c.rootKey, c2.wallMs()));
        QCOMPARE(c.certificate->contentKey, (*store)->identity().sign.publicKey);
        QCOMPARE(c.certificate->relayAdminKey, (*store)->relayAdminPublicKey());
        QVERIFY(c.certificate->notAfterMs - c.certificate->notBeforeMs <=
                protocol::kHqCertMaxValidityMs);
    }
    // A second issue raises the serial.
    const Run second =
        desk.hq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"),
                 desk.root(), QStringLiteral("--root-passphrase-file"), desk.rootPass(),
                 QStringLiteral("--days"), QStringLiteral("30")});
    QVERIFY2(second.code == 0, describe(second).constData());
    QCOMPARE(second.json.value(QStringLiteral("serial")).toInt(), 2);
    // More than 13 months: usage.
    QCOMPARE(desk.hq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"),
                      desk.root(), QStringLiteral("--days"), QStringLiteral("400")})
                 .code,
             2);
    // The root key of another deployment signs nothing for this desk.
    Desk other;
    QVERIFY(other.setUp());
    const Run foreign =
        desk.hq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"),
                 other.root(), QStringLiteral("--root-passphrase-file"), other.rootPass()});
    QCOMPARE(foreign.code, 1);
    QVERIFY(foreign.err.contains("another deployment"));
    // init twice on one store: refused, the store untouched.
    const Run reinit =
        desk.hq({QStringLiteral("init"), QStringLiteral("--root"), desk.root(),
                 QStringLiteral("--relay-url"), QStringLiteral("http://127.0.0.1:1")});
    QCOMPARE(reinit.code, 1);
    QCOMPARE(desk.hq({QStringLiteral("status")})
                 .json.value(QStringLiteral("certificate"))
                 .toObject()
                 .value(QStringLiteral("serial"))
                 .toInt(),
             2);
}

void TestHqCli::relayAddressRules()
{
    Desk desk;
    QVERIFY(desk.dir.isValid());
    QVERIFY(desk.writeFile(QStringLiteral("desk.pass"), kDeskPassphrase + '\n'));
    QVERIFY(desk.writeFile(QStringLiteral("root.pass"), kRootPassphrase + '\n'));
    QCOMPARE(runHq({QStringLiteral("root"), QStringLiteral("init"), QStringLiteral("--out"),
                    desk.root(), QStringLiteral("--passphrase-file"), desk.rootPass()})
                 .code,
             0);
    auto init = [&](const QStringList &extra) {
        return desk.hq(QStringList{QStringLiteral("init"), QStringLiteral("--root"), desk.root()} +
                       extra);
    };
    // https needs a pin; plain http only on loopback; a pin must parse.
    QCOMPARE(
        init({QStringLiteral("--relay-url"), QStringLiteral("https://relay.example.org")}).code, 1);
    QCOMPARE(init({QStringLiteral("--relay-url"), QStringLiteral("http://relay.example.org")}).code,
             1);
    QCOMPARE(init({QStringLiteral("--relay-url"), QStringLiteral("https://relay.example.org"),
                   QStringLiteral("--relay-pin"), QStringLiteral("nonsense")})
                 .code,
             1);
    QVERIFY(!desk::DeskStore::exists(desk.store()));
    const QString pin = QStringLiteral("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    const Run ok = init({QStringLiteral("--relay-url"), QStringLiteral("https://relay.example.org"),
                         QStringLiteral("--relay-pin"), pin});
    QVERIFY2(ok.code == 0, describe(ok).constData());
    const Run status = desk.hq({QStringLiteral("status")});
    QCOMPARE(status.json.value(QStringLiteral("relayPins")).toArray().size(), 1);
    // No certificate yet: status says so.
    QVERIFY(status.json.value(QStringLiteral("certificate")).isNull());
}

void TestHqCli::wrongPassphrasesFail()
{
    Desk desk;
    QVERIFY(desk.setUp());
    QVERIFY(desk.writeFile(QStringLiteral("bad.pass"), "violin lantern amber meadow harbour\n"));
    const Run bad = runHq({QStringLiteral("status"), QStringLiteral("--store"), desk.store(),
                           QStringLiteral("--passphrase-file"),
                           desk.path(QStringLiteral("bad.pass")), QStringLiteral("--json")});
    QCOMPARE(bad.code, 1);
    QCOMPARE(
        bad.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("wrong_key"));
    const Run badRoot = desk.hq(
        {QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"), desk.root(),
         QStringLiteral("--root-passphrase-file"), desk.path(QStringLiteral("bad.pass"))});
    QCOMPARE(badRoot.code, 1);
    QCOMPARE(badRoot.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
             QStringLiteral("wrong_key"));
    // Nothing was issued.
    QCOMPARE(desk.hq({QStringLiteral("status")})
                 .json.value(QStringLiteral("certificate"))
                 .toObject()
                 .value(QStringLiteral("serial"))
                 .toInt(),
             1);
}

void TestHqCli::passphraseFromStdin()
{
    Desk desk;
    QVERIFY(desk.setUp());
    // `-`: the first line of stdin; with two passphrases, the store's line comes first.
    const Run r =
        runHq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--store"),
               desk.store(), QStringLiteral("--passphrase-file"), QStringLiteral("-"),
               QStringLiteral("--root"), desk.root(), QStringLiteral("--root-passphrase-file"),
               QStringLiteral("-"), QStringLiteral("--json")},
              kDeskPassphrase + "\r\n" + kRootPassphrase + "\n");
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("serial")).toInt(), 2);
    // Nothing secret is printed.
    QVERIFY(!r.out.contains(kDeskPassphrase) && !r.err.contains(kDeskPassphrase));
    QVERIFY(!r.out.contains(kRootPassphrase) && !r.err.contains(kRootPassphrase));
    // An empty line is a usage error.
    const Run empty = runHq({QStringLiteral("status"), QStringLiteral("--store"), desk.store(),
                             QStringLiteral("--passphrase-file"), QStringLiteral("-")},
                            "\n");
    QCOMPARE(empty.code, 2);
}

void TestHqCli::scopes()
{
    Desk desk;
    QVERIFY(desk.setUp());
    QCOMPARE(desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna"),
                      QStringLiteral("--title"), QStringLiteral("Liaison post, Vienna")})
                 .code,
             0);
    QCOMPARE(desk.hq({QStringLiteral("scope"), QStringLiteral("add"),
                      QStringLiteral("visit:2026-12-brussels")})
                 .code,
             0);
    const Run dup =
        desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")});
    QCOMPARE(dup.code, 1);
    QCOMPARE(
        dup.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("already_exists"));
    QCOMPARE(
        desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("Post:Vienna")})
            .code,
        2);
    QCOMPARE(desk.hq({QStringLiteral("scope"), QStringLiteral("add")}).code, 2);
    const Run list = desk.hq({QStringLiteral("scope"), QStringLiteral("list")});
    QCOMPARE(list.code, 0);
    const QJsonArray scopes = list.json.value(QStringLiteral("scopes")).toArray();
    QCOMPARE(scopes.size(), 2);
    QCOMPARE(scopes[0].toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("post:vienna"));
    QCOMPARE(scopes[0].toObject().value(QStringLiteral("title")).toString(),
             QStringLiteral("Liaison post, Vienna"));
    QCOMPARE(scopes[1].toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("visit:2026-12-brussels"));
    const Run members = desk.hq(
        {QStringLiteral("scope"), QStringLiteral("members"), QStringLiteral("post:vienna")});
    QCOMPARE(members.code, 0);
    QCOMPARE(members.json.value(QStringLiteral("members")).toArray().size(), 0);
    QCOMPARE(desk.hq({QStringLiteral("scope"), QStringLiteral("members"),
                      QStringLiteral("post:nowhere")})
                 .code,
             1);
    // Human output is a table.
    const Run human =
        runHq({QStringLiteral("scope"), QStringLiteral("list"), QStringLiteral("--store"),
               desk.store(), QStringLiteral("--passphrase-file"), desk.deskPass()});
    QCOMPARE(human.code, 0);
    QVERIFY(human.out.startsWith("SCOPE"));
    QVERIFY(human.out.contains("post:vienna"));
}

void TestHqCli::auditNamesEveryAction()
{
    Desk desk;
    QVERIFY(desk.setUp());
    QCOMPARE(desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna"),
                      QStringLiteral("--officer"), QStringLiteral("Jana Nováková")})
                 .code,
             0);
    // A refused action leaves no entry.
    QCOMPARE(
        desk.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        1);
    const Run log = desk.hq({QStringLiteral("audit")});
    QCOMPARE(log.code, 0);
    const QJsonArray e = log.json.value(QStringLiteral("entries")).toArray();
    QCOMPARE(e.size(), 3);
    QCOMPARE(e[0].toObject().value(QStringLiteral("action")).toString(),
             QStringLiteral("store.init"));
    QCOMPARE(e[0].toObject().value(QStringLiteral("target")).toString(), desk.deployment);
    QCOMPARE(e[0].toObject().value(QStringLiteral("officer")).toString(),
             QStringLiteral("test officer"));
    QCOMPARE(e[1].toObject().value(QStringLiteral("action")).toString(),
             QStringLiteral("cert.issue"));
    QCOMPARE(e[1].toObject().value(QStringLiteral("target")).toString(), QStringLiteral("1"));
    QCOMPARE(e[2].toObject().value(QStringLiteral("action")).toString(),
             QStringLiteral("scope.add"));
    QCOMPARE(e[2].toObject().value(QStringLiteral("officer")).toString(),
             QStringLiteral("Jana Nováková"));
    const QDateTime at =
        QDateTime::fromString(e[2].toObject().value(QStringLiteral("at")).toString(), Qt::ISODate);
    QVERIFY(qAbs(at.toMSecsSinceEpoch() - QDateTime::currentMSecsSinceEpoch()) < 120000);
    // Filters.
    const Run scopesOnly =
        desk.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("scope")});
    QCOMPARE(scopesOnly.json.value(QStringLiteral("entries")).toArray().size(), 1);
    const Run last =
        desk.hq({QStringLiteral("audit"), QStringLiteral("--limit"), QStringLiteral("1")});
    QCOMPARE(last.json.value(QStringLiteral("entries")).toArray().size(), 1);
    QCOMPARE(last.json.value(QStringLiteral("entries"))
                 .toArray()[0]
                 .toObject()
                 .value(QStringLiteral("action"))
                 .toString(),
             QStringLiteral("scope.add"));
    QCOMPARE(
        desk.hq({QStringLiteral("audit"), QStringLiteral("--since"), QStringLiteral("2999-01-01")})
            .json.value(QStringLiteral("entries"))
            .toArray()
            .size(),
        0);
}

void TestHqCli::deskStoreNeverHoldsTheRootSecret()
{
    Desk desk;
    QVERIFY(desk.setUp());
    auto root = desk::openRootKeyFile(desk.root(), crypto::SecretBytes::copyOf(kRootPassphrase));
    QVERIFY(root);
    const QByteArray seed = root->keys.secretKey.view().first(32).toByteArray();
    platform::SoftwareKeyStore keys(QDir(desk.store()).filePath(QStringLiteral("keystore")));
    SystemClock c1, c2;
    vault::VaultOptions o;
    o.kdf = crypto::kTestKdfParams;
    auto store = desk::DeskStore::open(desk.store(), crypto::SecretBytes::copyOf(kDeskPassphrase),
                                       keys, c1, c2, o);
    QVERIFY(store);
    store::Database &db = (*store)->database();
    auto tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    QVERIFY(tables);
    int scanned = 0;
    QStringList names;
    for (;;) {
        auto row = tables->step();
        QVERIFY(row);
        if (!*row)
            break;
        names.append(tables->columnText(0));
    }
    for (const QString &name : names) {
        if (name.startsWith(QLatin1String("sqlite_")) || name.contains(QLatin1String("search")))
            continue;
        // Test code: the table names come from sqlite_master, not from input.
        const QByteArray sql = "SELECT * FROM \"" + name.toUtf8() + "\"";
        auto st = db.prepare(sql.constData());
        if (!st)
            continue; // FTS shadow tables and the like
        for (;;) {
            auto row = st->step();
            QVERIFY(row);
            if (!*row)
                break;
            for (int c = 0; c < st->columnCount(); ++c) {
                const QByteArray cell = st->columnBlob(c);
                QVERIFY2(!cell.contains(seed), qPrintable(name));
                QVERIFY2(!cell.contains(seed.toHex()), qPrintable(name));
            }
            ++scanned;
        }
    }
    QVERIFY(scanned >= 2); // desk_config and desk_audit at least
}

LIAISON_TEST_MAIN(TestHqCli)
#include "tst_hqcli.moc"
