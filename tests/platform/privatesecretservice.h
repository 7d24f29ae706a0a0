#pragma once

// A real Secret Service for tests (issue 12 test 7): a private D-Bus session bus (dbus-daemon with
// its own configuration: no service activation, so nothing starts behind the test's back) and
// gnome-keyring-daemon on it, with HOME and the XDG folders in a temporary directory, its login
// key ring made and unlocked with a known password. Processes are ended by their own pid.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <optional>

namespace liaison::test {

class PrivateSecretService
{
public:
    static constexpr const char *kKeyringPassword = "keyring password for tests";

    PrivateSecretService() = default;
    ~PrivateSecretService()
    {
        stopKeyring();
        // libsecret's GDBus session connection in this process (QtKeychain, the key store)
        // raises SIGTERM when its bus goes away (GDBus "exit-on-close"), from its worker thread
        // and at a time of its own: without this, a test whose functions all passed is killed
        // on its way out (CI of adeae2d: tst_app_residue, "Received signal 15" after "Finished
        // testing"). The process is ending; nothing else sends it SIGTERM now.
        std::signal(SIGTERM, SIG_IGN);
        end(m_bus);
    }
    PrivateSecretService(const PrivateSecretService &) = delete;
    PrivateSecretService &operator=(const PrivateSecretService &) = delete;

    // Starts the bus; returns its address ("" on failure, with `error()` saying why).
    bool startBus()
    {
        if (!m_home.isValid())
            return failWith(QStringLiteral("no temporary directory"));
        const QString run = runtimeDir();
        QDir().mkpath(run);
        QFile::setPermissions(run, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        const QString config = m_home.filePath(QStringLiteral("bus.conf"));
        QFile f(config);
        if (!f.open(QIODevice::WriteOnly))
            return failWith(QStringLiteral("cannot write the bus configuration"));
        // No <servicedir>: nothing is started by activation behind the test's back.
        f.write(QStringLiteral(
                    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                    "1.0//EN\"\n \"http://www.freedesktop.org/standards/dbus/1.0/"
                    "busconfig.dtd\">\n"
                    "<busconfig>\n"
                    "  <type>session</type>\n"
                    "  <listen>unix:path=%1/bus</listen>\n"
                    "  <auth>EXTERNAL</auth>\n"
                    "  <policy context=\"default\">\n"
                    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                    "    <allow eavesdrop=\"true\"/>\n"
                    "    <allow own=\"*\"/>\n"
                    "  </policy>\n"
                    "</busconfig>\n")
                    .arg(run)
                    .toUtf8());
        f.close();
        m_bus.setProgram(QStringLiteral("dbus-daemon"));
        m_bus.setArguments({QStringLiteral("--config-file=") + config, QStringLiteral("--nofork"),
                            QStringLiteral("--print-address=1")});
        m_bus.setProcessEnvironment(environment());
        m_bus.start();
        if (!m_bus.waitForStarted(10'000))
            return failWith(QStringLiteral("dbus-daemon did not start: ") + m_bus.errorString());
        QElapsedTimer t;
        t.start();
        while (!m_bus.canReadLine() && t.elapsed() < 10'000)
            m_bus.waitForReadyRead(200);
        m_address = QString::fromUtf8(m_bus.readLine()).trimmed();
        if (m_address.isEmpty())
            return failWith(QStringLiteral("dbus-daemon printed no address: ") +
                            QString::fromUtf8(m_bus.readAllStandardError()));
        return true;
    }

    // Starts gnome-keyring-daemon on the bus and unlocks (first time: creates) the login key
    // ring with `password`. Ready when org.freedesktop.secrets is owned on the bus.
    bool startKeyring(const QString &password = QString::fromLatin1(kKeyringPassword))
    {
        m_keyring.emplace();
        m_keyring->setProgram(QStringLiteral("gnome-keyring-daemon"));
        m_keyring->setArguments({QStringLiteral("--foreground"), QStringLiteral("--unlock"),
                                 QStringLiteral("--components=secrets")});
        m_keyring->setProcessEnvironment(environment());
        m_keyring->start();
        if (!m_keyring->waitForStarted(10'000))
            return failWith(QStringLiteral("gnome-keyring-daemon did not start: ") +
                            m_keyring->errorString());
        m_keyring->write(password.toUtf8());
        m_keyring->closeWriteChannel();
        if (!waitForName(QStringLiteral("org.freedesktop.secrets"), true))
            return failWith(m_error + QStringLiteral(": ") +
                            QString::fromUtf8(m_keyring->readAllStandardError()));
        return true;
    }

    // Ends the key-ring daemon (SIGTERM, then SIGKILL) and waits until its name left the bus.
    bool stopKeyring()
    {
        if (!m_keyring)
            return true;
        end(*m_keyring);
        m_keyring.reset();
        return m_address.isEmpty() || waitForName(QStringLiteral("org.freedesktop.secrets"), false);
    }

    // Moves HOME and the XDG folders to a fresh directory: the next startKeyring() is another
    // user's (or another machine's) key ring, on the same bus.
    void switchToFreshHome()
    {
        m_otherHome.emplace();
        m_homePath = m_otherHome->path();
    }

    [[nodiscard]] QString address() const { return m_address; }
    [[nodiscard]] QString error() const { return m_error; }
    [[nodiscard]] QString keyringDir() const { return home() + QStringLiteral("/data/keyrings"); }
    [[nodiscard]] QString home() const { return m_homePath.isEmpty() ? m_home.path() : m_homePath; }

    // The environment the daemons run with: the test's own, plus the private HOME, XDG folders
    // and bus address.
    [[nodiscard]] QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), home());
        env.insert(QStringLiteral("XDG_DATA_HOME"), home() + QStringLiteral("/data"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home() + QStringLiteral("/config"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home() + QStringLiteral("/cache"));
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtimeDir());
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        if (!m_address.isEmpty())
            env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), m_address);
        return env;
    }

private:
    [[nodiscard]] QString runtimeDir() const { return m_home.filePath(QStringLiteral("run")); }

    bool failWith(const QString &why)
    {
        m_error = why;
        return false;
    }

    // Polls the bus with dbus-send (outside this process, so the test's own D-Bus connections
    // see nothing of it).
    bool waitForName(const QString &name, bool owned)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15'000) {
            QProcess q;
            q.setProcessEnvironment(environment());
            q.start(QStringLiteral("dbus-send"),
                    {QStringLiteral("--session"), QStringLiteral("--print-reply"),
                     QStringLiteral("--dest=org.freedesktop.DBus"), QStringLiteral("/"),
                     QStringLiteral("org.freedesktop.DBus.NameHasOwner"),
                     QStringLiteral("string:") + name});
            q.waitForFinished(5'000);
            const QByteArray reply = q.readAllStandardOutput();
            if (reply.contains(owned ? "boolean true" : "boolean false"))
                return true;
            QTest::qWait(100);
        }
        return failWith(QStringLiteral("%1 did not %2 the bus")
                            .arg(name, owned ? QStringLiteral("join") : QStringLiteral("leave")));
    }

    static void end(QProcess &p)
    {
        if (p.state() == QProcess::NotRunning)
            return;
        p.terminate();
        if (!p.waitForFinished(5'000)) {
            p.kill();
            p.waitForFinished(5'000);
        }
    }

    QTemporaryDir m_home;
    std::optional<QTemporaryDir> m_otherHome;
    QString m_homePath;
    QString m_address;
    QString m_error;
    QProcess m_bus;
    std::optional<QProcess> m_keyring;
};

} // namespace liaison::test
