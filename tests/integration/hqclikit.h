#pragma once

// What the liaison-hq tests share: the real binary run as a child process (its own session, so
// it has no controlling terminal and never waits at a prompt), a temporary desk with a root key
// file, a desk store and passphrase files, and the JSON every command prints with --json.

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

namespace liaison::hqclitest {

inline QString hqBinary()
{
    return test::buildPath(QStringLiteral("sync/hq/cli/liaison-hq"));
}

struct Run
{
    int code = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json; // stdout parsed, when it is one JSON object
};

inline Run runHq(const QStringList &args, const QByteArray &stdinBytes = {},
                 const QString &workDir = {}, int timeoutMs = 60000,
                 const QMap<QString, QString> &extraEnv = {})
{
    QProcess p;
    p.setProgram(hqBinary());
    p.setArguments(args);
    if (!workDir.isEmpty())
        p.setWorkingDirectory(workDir);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIAISON_HQ_TEST_KDF"), QStringLiteral("1"));
    env.remove(QStringLiteral("LIAISON_HQ_STORE"));
    env.insert(QStringLiteral("LIAISON_HQ_OFFICER"), QStringLiteral("test officer"));
    for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
        env.insert(it.key(), it.value());
    p.setProcessEnvironment(env);
    // No controlling terminal: a missing passphrase is a usage error, never a hanging prompt.
    p.setChildProcessModifier([] { ::setsid(); });
    p.start();
    Run r;
    if (!p.waitForStarted(10000))
        return r;
    if (!stdinBytes.isEmpty())
        p.write(stdinBytes);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
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

inline QByteArray describe(const Run &r)
{
    return "exit " + QByteArray::number(r.code) + "\nstdout: " + r.out + "\nstderr: " + r.err;
}

inline const QByteArray kDeskPassphrase = "amber harbour violin meadow lantern";
inline const QByteArray kRootPassphrase = "copper willow station ember quartz";

// A desk from nothing: root key file, desk store, certificate, scopes.
struct Desk
{
    QTemporaryDir dir;
    QString root() const { return dir.filePath(QStringLiteral("root.key")); }
    QString store() const { return dir.filePath(QStringLiteral("store")); }
    QString deskPass() const { return dir.filePath(QStringLiteral("desk.pass")); }
    QString rootPass() const { return dir.filePath(QStringLiteral("root.pass")); }
    QString path(const QString &name) const { return dir.filePath(name); }

    bool writeFile(const QString &name, const QByteArray &bytes) const
    {
        QFile f(dir.filePath(name));
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
    }

    // Runs a command on the store with the desk passphrase file and --json.
    Run hq(QStringList args, const QByteArray &stdinBytes = {}) const
    {
        return hqEnv(std::move(args), {}, stdinBytes);
    }
    Run hqEnv(QStringList args, const QMap<QString, QString> &env,
              const QByteArray &stdinBytes = {}) const
    {
        args << QStringLiteral("--store") << store() << QStringLiteral("--passphrase-file")
             << deskPass() << QStringLiteral("--json");
        return runHq(args, stdinBytes, dir.path(), 60000, env);
    }

    // root init, init (loopback relay URL), cert issue.
    bool setUp(const QString &relayUrl = QStringLiteral("http://127.0.0.1:25999"))
    {
        return rootInit() && initStore(relayUrl);
    }

    // The passphrase files and the root key file.
    bool rootInit()
    {
        if (!dir.isValid() || !writeFile(QStringLiteral("desk.pass"), kDeskPassphrase + '\n') ||
            !writeFile(QStringLiteral("root.pass"), kRootPassphrase + '\n'))
            return false;
        const Run r1 =
            runHq({QStringLiteral("root"), QStringLiteral("init"), QStringLiteral("--out"), root(),
                   QStringLiteral("--passphrase-file"), rootPass(), QStringLiteral("--json")});
        if (r1.code != 0) {
            qWarning() << describe(r1);
            return false;
        }
        deployment = r1.json.value(QStringLiteral("deployment")).toString();
        rootPublicKey = r1.json.value(QStringLiteral("rootPublicKey")).toString();
        return true;
    }

    // init and cert issue.
    bool initStore(const QString &relayUrl)
    {
        const Run r2 = hq({QStringLiteral("init"), QStringLiteral("--root"), root(),
                           QStringLiteral("--relay-url"), relayUrl});
        if (r2.code != 0) {
            qWarning() << describe(r2);
            return false;
        }
        const Run r3 =
            hq({QStringLiteral("cert"), QStringLiteral("issue"), QStringLiteral("--root"), root(),
                QStringLiteral("--root-passphrase-file"), rootPass()});
        if (r3.code != 0) {
            qWarning() << describe(r3);
            return false;
        }
        return true;
    }

    QString deployment;
    QString rootPublicKey;
};

} // namespace liaison::hqclitest
