#pragma once

// liaison-device as the tests run it (sync/device/tool/devicetool.h): a child process in its own
// session with the small test Argon2id profile (LIAISON_DEVICE_TEST_KDF=1), a device directory
// with a passphrase file, and `enrol` started in the background so a test can read the safety
// number while the tool waits for the desk.

#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <unistd.h>

namespace liaison::devicetest {

inline QString deviceBinary()
{
    return test::buildPath(QStringLiteral("sync/device/tool/liaison-device"));
}

inline const QByteArray kDevicePassphrase = "lantern meadow copper violin harbour";

struct ToolRun
{
    int code = -1; // -2: crashed or killed, -1: did not start or finish
    QByteArray out;
    QByteArray err;
    QJsonObject json; // the last line of stdout, when it is a JSON object
};

inline QByteArray describe(const ToolRun &r)
{
    return "exit " + QByteArray::number(r.code) + "\nstdout: " + r.out + "\nstderr: " + r.err;
}

// extraEnv: more variables (e.g. LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS, the tool's clock moved on).
inline void prepare(QProcess &p, const QStringList &args,
                    const QHash<QString, QString> &extraEnv = {})
{
    p.setProgram(deviceBinary());
    p.setArguments(args);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIAISON_DEVICE_TEST_KDF"), QStringLiteral("1"));
    for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
        env.insert(it.key(), it.value());
    p.setProcessEnvironment(env);
    p.setChildProcessModifier([] { ::setsid(); });
}

inline void collect(QProcess &p, ToolRun &r)
{
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out += p.readAllStandardOutput();
    r.err += p.readAllStandardError();
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    const QJsonDocument doc =
        QJsonDocument::fromJson(lines.isEmpty() ? QByteArray() : lines.last());
    if (doc.isObject())
        r.json = doc.object();
}

inline ToolRun runDevice(const QStringList &args, const QByteArray &stdinBytes = {},
                         int timeoutMs = 60000, const QHash<QString, QString> &extraEnv = {})
{
    QProcess p;
    prepare(p, args, extraEnv);
    p.start();
    ToolRun r;
    if (!p.waitForStarted(10000))
        return r;
    if (!stdinBytes.isEmpty())
        p.write(stdinBytes);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.code = -1;
        return r;
    }
    collect(p, r);
    return r;
}

// A device directory (DIR/vault, DIR/keystore) and its passphrase file.
struct DeviceDir
{
    QTemporaryDir tmp;
    QString dir() const { return tmp.filePath(QStringLiteral("device")); }
    QString vaultDir() const { return tmp.filePath(QStringLiteral("device/vault")); }
    QString keyStoreDir() const { return tmp.filePath(QStringLiteral("device/keystore")); }
    QString passFile() const { return tmp.filePath(QStringLiteral("device.pass")); }

    DeviceDir()
    {
        QFile f(passFile());
        if (f.open(QIODevice::WriteOnly))
            f.write(kDevicePassphrase + '\n');
    }

    QStringList common() const
    {
        return {QStringLiteral("--dir"), dir(), QStringLiteral("--passphrase-file"), passFile()};
    }
    ToolRun run(const QString &command, QStringList extra = {},
                const QHash<QString, QString> &extraEnv = {}) const
    {
        return runDevice(QStringList{command} + common() + extra, {}, 60000, extraEnv);
    }
};

// `liaison-device enrol` in the background: the safety number is read while it waits for HQ.
class Enrolment
{
public:
    // An empty `code`: `extra` names it (--code-file FILE).
    Enrolment(const DeviceDir &dir, const QByteArray &code, QStringList extra = {})
    {
        QStringList args{QStringLiteral("enrol")};
        if (!code.isEmpty())
            args << QStringLiteral("--code") << QString::fromLatin1(code);
        prepare(m_process, args + dir.common() + extra);
        m_process.start();
        m_process.closeWriteChannel();
    }
    ~Enrolment()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    // The 60 digits of "Safety number: ..." (empty when the tool ended or said nothing in time).
    QString waitForSafetyNumber(int timeoutMs = 60000)
    {
        static const QRegularExpression re(
            QStringLiteral("Safety number: ((?:\\d{5} ){11}\\d{5})"));
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            m_run.out += m_process.readAllStandardOutput();
            const auto m = re.match(QString::fromUtf8(m_run.out));
            if (m.hasMatch())
                return m.captured(1);
            if (m_process.state() == QProcess::NotRunning)
                return {};
            m_process.waitForReadyRead(200);
        }
        return {};
    }

    // Waits for the tool to end; code -1 when it did not within `timeoutMs` (then it is killed).
    ToolRun finish(int timeoutMs = 60000)
    {
        QElapsedTimer t;
        t.start();
        while (m_process.state() != QProcess::NotRunning && t.elapsed() < timeoutMs) {
            m_process.waitForFinished(200);
            m_run.out += m_process.readAllStandardOutput();
            m_run.err += m_process.readAllStandardError();
        }
        const bool timedOut = m_process.state() != QProcess::NotRunning;
        if (timedOut) {
            m_process.kill();
            m_process.waitForFinished();
        }
        collect(m_process, m_run);
        if (timedOut)
            m_run.code = -1;
        return m_run;
    }

private:
    QProcess m_process;
    ToolRun m_run;
};

} // namespace liaison::devicetest
