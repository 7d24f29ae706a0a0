#pragma once

// What the relay tests share: a deployment (root, HQ content and relay-admin keys, certificate),
// fresh storage per test on either backend (a SQLite file, or a new PostgreSQL database on the
// cluster at LIAISON_TEST_PG_URL), the relay as a real child process, and a small blocking
// HTTP/1.1 client that signs requests (LIAISN-req-v1) and records every byte on its socket.
// The device sync client proper is sync/client; this one exists to poke at the relay.

#include "crypto/crypto.h"
#include "protocol/envelope.h"
#include "protocol/hqcert.h"
#include "protocol/relaybatch.h"
#include "protocol/requestsig.h"
#include "protocol/seal.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUrl>

#include <csignal>
#include <memory>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

namespace liaison::relaytest {

using namespace liaison::crypto;

// LIAISON_TEST_BIN_DIR under ctest; otherwise found from the running binary's place in the
// build tree (scripts/bench runs benchmarks directly).
inline QString relayBinary()
{
    if (!qEnvironmentVariableIsEmpty("LIAISON_TEST_BIN_DIR"))
        return test::buildPath(QStringLiteral("sync/relay/liaison-relay"));
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 4; ++up) {
        if (QFile::exists(dir.filePath(QStringLiteral("sync/relay/liaison-relay"))))
            return dir.filePath(QStringLiteral("sync/relay/liaison-relay"));
        dir.cdUp();
    }
    return QStringLiteral("liaison-relay");
}

inline std::int64_t nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// ---------------------------------------------------------------------------------------------
// deployment keys

struct Deployment
{
    SignKeyPair root = crypto_sign_keypair();
    SignKeyPair content = crypto_sign_keypair();
    SignKeyPair admin = crypto_sign_keypair();
    Id16 id = randomFixed<Id16>();
    QByteArray cert;
    std::uint64_t serial = 1;

    Deployment()
    {
        protocol::HqCertificate c;
        c.deployment = id;
        c.serial = serial;
        c.notBeforeMs = nowMs() - 3600 * 1000;
        c.notAfterMs = nowMs() + 30LL * 24 * 3600 * 1000;
        c.contentKey = content.publicKey;
        c.relayAdminKey = admin.publicKey;
        protocol::signHqCertificate(c, root.secretKey);
        cert = c.encode();
    }
    QString rootHex() const { return QString::fromLatin1(root.publicKey.toHex()); }
};

struct DeviceIdentity
{
    Id16 id = randomFixed<Id16>();
    SignKeyPair keys = crypto_sign_keypair();
    QByteArray keyId() const { return protocol::deviceKeyId(id); }
};

// ---------------------------------------------------------------------------------------------
// storage backends

struct Backend
{
    QString kind; // "sqlite" or "postgres"
    QString dbUrl;
    QString sqlitePath;
    QString pgDatabase;
    QString pgUrl; // the fresh database's URL
};

inline QString pgBaseUrl()
{
    return QString::fromLocal8Bit(qgetenv("LIAISON_TEST_PG_URL"));
}

inline QString pgBinary(const QString &name)
{
    QDir lib(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = lib.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (auto it = versions.crbegin(); it != versions.crend(); ++it) {
        const QString p = lib.filePath(*it + QStringLiteral("/bin/") + name);
        if (QFile::exists(p))
            return p;
    }
    return name;
}

// A connection to the cluster's maintenance database (QPSQL: no SQLite in a test process).
inline QSqlDatabase pgAdmin()
{
    const QString name = QStringLiteral("relaytest-admin");
    if (QSqlDatabase::contains(name))
        return QSqlDatabase::database(name);
    const QUrl url(pgBaseUrl());
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    db.setHostName(url.host());
    db.setPort(url.port(5432));
    db.setUserName(url.userName());
    db.setDatabaseName(url.path().mid(1));
    db.open();
    return db;
}

// A fresh, empty database per test; fails (never skips) without LIAISON_TEST_PG_URL.
inline bool makeBackend(const QString &kind, const QTemporaryDir &dir, Backend &out, QString *error)
{
    out.kind = kind;
    if (kind == QLatin1String("sqlite")) {
        out.sqlitePath = dir.filePath(QStringLiteral("relay.db"));
        out.dbUrl = QStringLiteral("sqlite:") + out.sqlitePath;
        return true;
    }
    if (pgBaseUrl().isEmpty()) {
        *error = QStringLiteral("LIAISON_TEST_PG_URL is not set: the PostgreSQL half of the relay "
                                "tests cannot run (scripts/test provides it)");
        return false;
    }
    QSqlDatabase admin = pgAdmin();
    if (!admin.isOpen()) {
        *error =
            QStringLiteral("cannot connect to LIAISON_TEST_PG_URL: ") + admin.lastError().text();
        return false;
    }
    out.pgDatabase = QStringLiteral("relay_t_") + QString::fromLatin1(randomBytes(8).toHex());
    QSqlQuery q(admin);
    // The name is random hex made here, not input.
    if (!q.exec(QStringLiteral("CREATE DATABASE ") + out.pgDatabase)) {
        *error = QStringLiteral("CREATE DATABASE failed: ") + q.lastError().text();
        return false;
    }
    QUrl url(pgBaseUrl());
    url.setPath(QLatin1Char('/') + out.pgDatabase);
    out.pgUrl = url.toString();
    out.dbUrl = out.pgUrl;
    return true;
}

inline void dropBackend(const Backend &b)
{
    if (b.pgDatabase.isEmpty())
        return;
    QSqlQuery q(pgAdmin());
    (void)q.exec(QStringLiteral("DROP DATABASE IF EXISTS ") + b.pgDatabase +
                 QStringLiteral(" WITH (FORCE)"));
}

// ---------------------------------------------------------------------------------------------
// the relay process

class RelayProcess
{
public:
    RelayProcess() = default;
    ~RelayProcess() { stop(); }
    RelayProcess(const RelayProcess &) = delete;
    RelayProcess &operator=(const RelayProcess &) = delete;

    // Starts liaison-relay on loopback with ports chosen by the kernel; waits for its
    // "listening" line. extra: more flags (limits, timeouts, TLS ...).
    bool start(const QTemporaryDir &dir, const Backend &backend, const Deployment &dep,
               const QStringList &extra = {}, bool plainHttp = true)
    {
        m_logPath = dir.filePath(QStringLiteral("relay-%1.log").arg(++s_counter));
        QStringList args{QStringLiteral("--listen"),     listenAddress,
                         QStringLiteral("--ops-listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--db"),         backend.dbUrl,
                         QStringLiteral("--root-key"),   dep.rootHex()};
        // An empty dep.cert: HQ installs its certificate itself (PUT /v1/hq-cert).
        if (!dep.cert.isEmpty()) {
            const QString certPath = dir.filePath(QStringLiteral("hq.cert"));
            QFile f(certPath);
            if (!f.open(QIODevice::WriteOnly) || f.write(dep.cert) != dep.cert.size())
                return false;
            args << QStringLiteral("--hq-cert") << certPath;
        }
        if (plainHttp)
            args << QStringLiteral("--dev-plain-http");
        args << extra;
        m_process = std::make_unique<QProcess>();
        m_process->setStandardErrorFile(m_logPath, QIODevice::Append);
        m_process->setWorkingDirectory(dir.path());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // The relay's own leak check is not what these tests are about (and kill -9 skips it).
        // A small ASan quarantine: freed memory should show as freed in the RSS checks.
        env.insert(QStringLiteral("ASAN_OPTIONS"),
                   QStringLiteral("detect_leaks=0:quarantine_size_mb=16:abort_on_error=1"));
        for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
            env.insert(it.key(), it.value());
        m_process->setProcessEnvironment(env);
        if (fdLimit > 0) {
            // As `ulimit -n N` would: soft and hard limit of open files in the relay.
            const rlim_t n = rlim_t(fdLimit);
            m_process->setChildProcessModifier([n] {
                struct rlimit r
                {
                    n, n
                };
                ::setrlimit(RLIMIT_NOFILE, &r);
            });
        }
        m_process->start(relayBinary(), args);
        if (!m_process->waitForStarted(10000))
            return false;
        QElapsedTimer t;
        t.start();
        QByteArray out;
        static const QRegularExpression re(
            QStringLiteral("listening public=[^:]+:(\\d+) ops=[^:]+:(\\d+)"));
        while (t.elapsed() < 60000) {
            if (m_process->state() != QProcess::Running)
                return false;
            m_process->waitForReadyRead(100);
            out += m_process->readAllStandardOutput();
            const auto m = re.match(QString::fromLatin1(out));
            if (m.hasMatch()) {
                port = quint16(m.captured(1).toUInt());
                opsPort = quint16(m.captured(2).toUInt());
                return true;
            }
        }
        return false;
    }

    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    bool running() const { return m_process && m_process->state() == QProcess::Running; }

    void kill9()
    {
        if (!running())
            return;
        ::kill(pid_t(pid()), SIGKILL);
        m_process->waitForFinished(10000);
    }

    // SIGTERM and wait; returns the exit code (or -1 when it did not exit cleanly).
    int terminate(int timeoutMs = 20000)
    {
        if (!running())
            return -1;
        ::kill(pid_t(pid()), SIGTERM);
        if (!m_process->waitForFinished(timeoutMs))
            return -1;
        return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
    }

    void stop()
    {
        if (running()) {
            ::kill(pid_t(pid()), SIGTERM);
            if (!m_process->waitForFinished(10000))
                kill9();
        }
    }

    // VmRSS of the relay in KiB (from /proc), or -1.
    qint64 rssKiB() const { return statusKiB("VmRSS:"); }
    // VmHWM: the relay's peak resident size since it started, in KiB, or -1.
    qint64 peakRssKiB() const { return statusKiB("VmHWM:"); }

    qint64 statusKiB(const QByteArray &field) const
    {
        QFile f(QStringLiteral("/proc/%1/status").arg(pid()));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith(field))
                return line.mid(field.size()).trimmed().split(' ').value(0).toLongLong();
        }
        return -1;
    }

    // Where the public listener binds: a port chosen by the kernel, or (a restart that devices
    // must find again) the port of an earlier start.
    QString listenAddress = QStringLiteral("127.0.0.1:0");
    // Environment variables set for the relay on top of the test's (e.g. ASAN_OPTIONS).
    QHash<QString, QString> extraEnv;
    // > 0: the relay runs with this limit of open files (soft and hard).
    int fdLimit = 0;

    // CPU seconds (user + system) the relay has used so far, or -1.
    double cpuSeconds() const
    {
        QFile f(QStringLiteral("/proc/%1/stat").arg(pid()));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        const QByteArray stat = f.readAll();
        // Fields after the command name (which is in parentheses and may hold spaces).
        const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
        if (fields.size() < 13)
            return -1;
        return double(fields[11].toLongLong() + fields[12].toLongLong()) /
               double(::sysconf(_SC_CLK_TCK));
    }

    QByteArray log() const
    {
        QFile f(m_logPath);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    QByteArray logTail(int bytes = 4000) const { return log().right(bytes); }

    quint16 port = 0;
    quint16 opsPort = 0;

private:
    std::unique_ptr<QProcess> m_process;
    QString m_logPath;
    static inline int s_counter = 0;
};

// ---------------------------------------------------------------------------------------------
// a blocking HTTP/1.1 client

struct Reply
{
    int status = -1;                       // -1: no response (connection failed, reset, timeout)
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    QString error;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray errorCode() const
    {
        return json().value(QStringLiteral("error")).toString().toLatin1();
    }
    QByteArray header(const char *name) const { return headers.value(QByteArray(name).toLower()); }
};

class HttpConnection
{
public:
    explicit HttpConnection(quint16 port, bool tls = false)
        : m_port(port)
        , m_tls(tls)
    {}

    bool connectNow(int timeoutMs = 10000)
    {
        if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
            return true;
        if (m_tls) {
            auto *s = new QSslSocket;
            s->setPeerVerifyMode(QSslSocket::VerifyNone); // pinning is the client's job
            m_socket.reset(s);
            s->connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
            if (!s->waitForEncrypted(timeoutMs))
                return false;
        } else {
            m_socket = std::make_unique<QTcpSocket>();
            m_socket->connectToHost(QStringLiteral("127.0.0.1"), m_port);
            if (!m_socket->waitForConnected(timeoutMs))
                return false;
        }
        return true;
    }

    QTcpSocket *socket() { return m_socket.get(); }
    QByteArray host() const { return "127.0.0.1:" + QByteArray::number(m_port); }

    bool sendRaw(const QByteArray &bytes)
    {
        if (!connectNow())
            return false;
        wire += bytes;
        m_socket->write(bytes);
        while (m_socket->bytesToWrite() > 0) {
            if (!m_socket->waitForBytesWritten(10000))
                return false;
        }
        return true;
    }

    // Reads one response (Content-Length framed, as the relay always sends).
    Reply readReply(int timeoutMs = 15000)
    {
        Reply r;
        QElapsedTimer t;
        t.start();
        qsizetype headerEnd = -1;
        while ((headerEnd = m_buffer.indexOf("\r\n\r\n")) < 0) {
            if (!readMore(t, timeoutMs, r))
                return r;
        }
        const QList<QByteArray> lines = m_buffer.left(headerEnd).split('\n');
        const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
        r.status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                r.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                 lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = r.headers.value("content-length").toLongLong();
        m_buffer.remove(0, headerEnd + 4);
        while (m_buffer.size() < length) {
            if (!readMore(t, timeoutMs, r)) {
                r.status = -1;
                return r;
            }
        }
        r.body = m_buffer.left(length);
        m_buffer.remove(0, length);
        if (r.header("connection") == "close")
            close();
        return r;
    }

    Reply request(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
                  const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 15000)
    {
        QByteArray raw = method + ' ' + target + " HTTP/1.1\r\nHost: " + host() + "\r\n";
        for (const auto &[k, v] : headers)
            raw += k + ": " + v + "\r\n";
        if (!body.isEmpty() || method == "POST" || method == "PUT")
            raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        raw += "\r\n";
        raw += body;
        Reply r;
        if (!sendRaw(raw)) {
            r.error = QStringLiteral("send failed");
            close();
            return r;
        }
        return readReply(timeoutMs);
    }

    void close()
    {
        if (m_socket) {
            m_socket->abort();
            m_socket.reset();
        }
        m_buffer.clear();
    }

    QByteArray wire; // every byte sent and received on this connection

private:
    bool readMore(QElapsedTimer &t, int timeoutMs, Reply &r)
    {
        if (!m_socket) {
            r.error = QStringLiteral("not connected");
            return false;
        }
        if (m_socket->bytesAvailable() == 0) {
            const int left = int(timeoutMs - t.elapsed());
            if (left <= 0 || !m_socket->waitForReadyRead(left)) {
                r.error = m_socket->state() == QAbstractSocket::ConnectedState
                              ? QStringLiteral("timeout")
                              : QStringLiteral("connection closed");
                if (m_socket->bytesAvailable() == 0)
                    return false;
            }
        }
        const QByteArray got = m_socket->readAll();
        wire += got;
        m_buffer += got;
        return true;
    }

    quint16 m_port;
    bool m_tls;
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
};

// Signs requests as one key; learns the relay's clock offset after a clock_skew answer.
struct Signer
{
    Id16 deployment;
    QByteArray keyId;
    const SignSecretKey *key = nullptr;
    std::int64_t clockErrorMs = 0; // how wrong this signer's clock is (tests simulate it)
    std::int64_t offsetMs = 0;     // learned: relay - local

    std::int64_t localNow() const { return nowMs() + clockErrorMs; }

    QList<QPair<QByteArray, QByteArray>>
    headersFor(const QByteArray &host, const QByteArray &method, const QByteArray &target,
               const QByteArray &body, protocol::RequestNonce nonce = {}) const
    {
        protocol::SignedRequest sr;
        sr.deployment = deployment;
        sr.host = host;
        sr.keyId = keyId;
        sr.method = method;
        const qsizetype q = target.indexOf('?');
        sr.path = q < 0 ? target : target.left(q);
        sr.query = q < 0 ? QByteArray() : target.mid(q + 1);
        sr.timeMs = localNow() + offsetMs;
        sr.nonce = nonce;
        sr.bodyHash = protocol::requestBodyHash(body);
        auto h = protocol::signRequest(sr, *key);
        return h ? protocol::authHeaderList(*h) : QList<QPair<QByteArray, QByteArray>>{};
    }
};

inline Signer deviceSigner(const Deployment &dep, const DeviceIdentity &d)
{
    return Signer{dep.id, d.keyId(), &d.keys.secretKey};
}
inline Signer hqSigner(const Deployment &dep)
{
    return Signer{dep.id, protocol::kHqKeyId.toByteArray(), &dep.content.secretKey};
}
inline Signer adminSigner(const Deployment &dep)
{
    return Signer{dep.id, protocol::kAdminKeyId.toByteArray(), &dep.admin.secretKey};
}

// A signed call; after a clock_skew answer, stores offset = relay - local and retries once.
inline Reply signedCall(HttpConnection &c, Signer &s, const QByteArray &method,
                        const QByteArray &target, const QByteArray &body = {},
                        int timeoutMs = 15000)
{
    Reply r =
        c.request(method, target, body, s.headersFor(c.host(), method, target, body), timeoutMs);
    if (r.status == 401 && r.errorCode() == "clock_skew" && r.headers.contains("liaison-time")) {
        s.offsetMs = r.header("liaison-time").toLongLong() - s.localNow();
        r = c.request(method, target, body, s.headersFor(c.host(), method, target, body),
                      timeoutMs);
    }
    return r;
}

inline QByteArray jsonBytes(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

inline Reply registerDevice(HttpConnection &c, Signer &admin, const DeviceIdentity &d,
                            const char *state = "active", qint64 version = 1)
{
    return signedCall(
        c, admin, "PUT", "/v1/devices/" + d.id.toHex(),
        jsonBytes({{QStringLiteral("version"), version},
                   {QStringLiteral("sign_pk"), QString::fromLatin1(d.keys.publicKey.toHex())},
                   {QStringLiteral("state"), QString::fromLatin1(state)}}));
}

// ---------------------------------------------------------------------------------------------
// envelopes

struct Built
{
    QByteArray bytes;
    Hash32 envHash;
};

// A really sealed envelope (XChaCha20-Poly1305 under a fresh CEK for a throw-away box key)
// carrying `body` as its body bytes.
inline Built makeEnvelope(const Id16 &deployment, const Id16 &sender, const Id16 &recipient,
                          std::uint32_t epoch, std::uint64_t seq, const Hash32 &prev,
                          const SignSecretKey &senderKey, const QByteArray &body,
                          protocol::Direction direction = protocol::Direction::Up)
{
    static const BoxKeyPair recipientBox = crypto_box_keypair();
    protocol::SealParams p;
    p.deployment = deployment;
    p.sender = sender;
    p.recipient = recipient;
    p.epoch = epoch;
    p.seq = seq;
    p.prev = prev;
    p.recipientBoxKeyId = 1;
    p.recipientBoxKey = recipientBox.publicKey;
    p.direction = direction;
    auto sealed = protocol::sealEncodedBody(p, body, senderKey);
    if (!sealed)
        return {};
    return {sealed->bytes, sealed->envHash};
}

inline Built deviceEnvelope(const Deployment &dep, const DeviceIdentity &d, std::uint64_t seq,
                            const QByteArray &body = QByteArray(1000, 'x'), std::uint32_t epoch = 1)
{
    return makeEnvelope(dep.id, d.id, protocol::hqParticipantId(), epoch, seq, Hash32{},
                        d.keys.secretKey, body);
}

inline Built hqEnvelope(const Deployment &dep, const DeviceIdentity &to, std::uint64_t seq,
                        const QByteArray &body = QByteArray(1000, 'y'), std::uint32_t epoch = 1)
{
    return makeEnvelope(dep.id, protocol::hqParticipantId(), to.id, epoch, seq, Hash32{},
                        dep.content.secretKey, body, protocol::Direction::Down);
}

inline QList<protocol::RelayBatchItem> batchOf(const Reply &r)
{
    auto items = protocol::decodeRelayBatch(r.body, 100000, 32 * 1024 * 1024);
    return items ? *items : QList<protocol::RelayBatchItem>{};
}

// Reads a whole mailbox (no waiting) from cursor `after`.
inline QList<protocol::RelayBatchItem> drainMailbox(HttpConnection &c, Signer &s,
                                                    std::int64_t after = 0)
{
    QList<protocol::RelayBatchItem> all;
    for (;;) {
        Reply r = signedCall(
            c, s, "GET", "/v1/mailbox?after=" + QByteArray::number(qint64(after)) + "&limit=500");
        if (r.status != 200)
            return all;
        const auto items = batchOf(r);
        all += items;
        if (items.isEmpty() || r.header("liaison-more") != "1")
            return all;
        after = qint64(items.last().key);
    }
}

} // namespace liaison::relaytest

namespace liaison::relaytest {

// Per-test environment: a temp dir, fresh storage of the row's backend, a deployment and a relay.
// Use from init()/cleanup(); the backend comes from initTestCase_data() rows.
struct RelayEnv
{
    std::unique_ptr<QTemporaryDir> dir;
    Backend backend;
    std::unique_ptr<Deployment> dep;
    std::unique_ptr<RelayProcess> relay;
    QHash<QString, QString> relayEnv; // extra environment for the relay process
    int relayFdLimit = 0;             // > 0: the relay's limit of open files
    QString error;

    // tempBase: where the temporary directory goes (default: the system's temp dir).
    bool setUp(const QString &kind, const QString &tempBase = {})
    {
        dir = tempBase.isEmpty()
                  ? std::make_unique<QTemporaryDir>()
                  : std::make_unique<QTemporaryDir>(tempBase + QStringLiteral("/relaytest-XXXXXX"));
        dep = std::make_unique<Deployment>();
        if (!dir->isValid()) {
            error = QStringLiteral("no temporary directory");
            return false;
        }
        return makeBackend(kind, *dir, backend, &error);
    }

    bool startRelay(const QStringList &extra = {}, bool plainHttp = true)
    {
        relay = std::make_unique<RelayProcess>();
        relay->extraEnv = relayEnv;
        relay->fdLimit = relayFdLimit;
        if (!relay->start(*dir, backend, *dep, extra, plainHttp)) {
            error = QStringLiteral("relay did not start: ") + QString::fromLatin1(relay->logTail());
            return false;
        }
        return true;
    }

    void tearDown()
    {
        if (relay)
            relay->stop();
        relay.reset();
        dropBackend(backend);
        backend = {};
        dir.reset();
    }
};

inline void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

} // namespace liaison::relaytest
