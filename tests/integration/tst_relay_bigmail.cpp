// Issue 9 point 1 (SQLite; the PostgreSQL read path is the same RelayStore::loadPage and is
// covered for correctness by tst_relay_api): mailbox and stream reads are bounded by bytes.
// One enrolled device posts 30 envelopes of 16 MB (480 MB) into HQ's mailbox; HQ pulls them all
// with its default batch (limit 200). The relay's peak resident size (VmHWM from /proc, ASan with
// quarantine_size_mb=0 so that freed memory is freed) stays under 300 MB, and /v1/health
// answers throughout (200, each within 6 s: its own storage deadline is 5 s).

#include "relaytestkit.h"
#include "testmain.h"

#include <QFileInfo>
#include <QTest>

#include <atomic>
#include <csignal>
#include <thread>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
// 480 MB: a relay that read a whole batch (limit 200) into memory would hold all of it, well over
// kPeakLimitKiB. (It was 100 envelopes, 1.6 GB: 220 s under ASan, a third of the suite's time,
// for the same assertion.)
constexpr int kEnvelopes = 30;
constexpr qsizetype kBodyBytes = 16 * 1000 * 1000;
constexpr qint64 kPeakLimitKiB = 300 * 1024;
// Past this the relay is killed so that a regression cannot take the machine down with it.
constexpr qint64 kKillAtKiB = 1536 * 1024;
constexpr qint64 kHealthSlowMs = 6000;

// Polls /v1/health on its own thread (fresh connection each time) and watches the relay's RSS.
class Watcher
{
public:
    Watcher(quint16 opsPort, qint64 pid)
        : m_port(opsPort)
        , m_pid(pid)
    {
        m_thread = std::thread([this] { run(); });
    }
    ~Watcher() { stop(); }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }

    std::atomic<int> answers{0};
    std::atomic<int> failures{0};
    std::atomic<qint64> slowestMs{0};
    std::atomic<bool> killed{false};

private:
    void run()
    {
        RelayProcess probe; // only for reading /proc of another pid
        while (!m_stop) {
            QElapsedTimer t;
            t.start();
            HttpConnection c(m_port);
            const Reply r = c.request("GET", "/v1/health", {}, {}, 10000);
            const qint64 ms = t.elapsed();
            if (r.status == 200)
                ++answers;
            else
                ++failures;
            if (ms > slowestMs)
                slowestMs = ms;
            QFile f(QStringLiteral("/proc/%1/status").arg(m_pid));
            if (f.open(QIODevice::ReadOnly)) {
                for (const QByteArray &line : f.readAll().split('\n'))
                    if (line.startsWith("VmRSS:") &&
                        line.mid(6).trimmed().split(' ').value(0).toLongLong() > kKillAtKiB) {
                        killed = true;
                        ::kill(pid_t(m_pid), SIGKILL);
                    }
            }
            QThread::msleep(100);
        }
    }

    quint16 m_port;
    qint64 m_pid;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};
} // namespace

class TestRelayBigMail : public QObject
{
    Q_OBJECT

    RelayEnv env;

private Q_SLOTS:
    void init()
    {
        // The database on tmpfs where there is one: this test is about the relay's memory, not
        // the disk's speed (480 MB through synchronous FULL), and must stay fast enough for CI.
        const QString shm = QStringLiteral("/dev/shm");
        QVERIFY2(env.setUp(QStringLiteral("sqlite"),
                           QFileInfo(shm).isDir() && QFileInfo(shm).isWritable() ? shm : QString()),
                 qPrintable(env.error));
        env.relayEnv.insert(QStringLiteral("ASAN_OPTIONS"),
                            QStringLiteral("detect_leaks=0:quarantine_size_mb=0:abort_on_error=1"));
        // One device sends all 480 MB, within its default share of HQ's mailbox (issue 9 point 5,
        // 1 GiB): the relay runs as shipped.
        QVERIFY2(env.startRelay({"--quiet"}), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void thirtySixteenMegabyteEnvelopesPulledInBoundedMemory()
    {
        QElapsedTimer total;
        total.start();
        DeviceIdentity dev;
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        Signer hq = hqSigner(*env.dep);

        Watcher watch(env.relay->opsPort, env.relay->pid());
        const QByteArray body(kBodyBytes, 'm');
        qint64 sealMs = 0;
        const int count = kEnvelopes;
        for (int i = 1; i <= count; ++i) {
            QElapsedTimer st;
            st.start();
            const Built e = deviceEnvelope(*env.dep, dev, std::uint64_t(i), body);
            sealMs += st.elapsed();
            QVERIFY(!e.bytes.isEmpty());
            const Reply r = signedCall(c, ds, "POST", "/v1/envelopes", e.bytes, 60000);
            QVERIFY2(r.status == 200, qPrintable(QStringLiteral("envelope %1: %2 %3")
                                                     .arg(i)
                                                     .arg(r.status)
                                                     .arg(QString::fromLatin1(r.body))));
            c.wire.clear(); // the kit records every byte; not needed here
        }
        const qint64 postMs = total.elapsed();

        // HQ pulls with its default batch, acknowledging as it goes, until nothing is left.
        QElapsedTimer pull;
        pull.start();
        std::int64_t after = 0;
        int received = 0, requests = 0;
        qint64 largestResponse = 0;
        while (pull.elapsed() < 240000) {
            const Reply r =
                signedCall(c, hq, "GET",
                           "/v1/mailbox?after=" + QByteArray::number(qint64(after)) + "&limit=200",
                           {}, 120000);
            QVERIFY2(r.status == 200, qPrintable(QStringLiteral("pull: %1 %2 (killed: %3)")
                                                     .arg(r.status)
                                                     .arg(r.error)
                                                     .arg(watch.killed.load())));
            ++requests;
            c.wire.clear();
            largestResponse = std::max<qint64>(largestResponse, r.body.size());
            const auto items = batchOf(r);
            QVERIFY(!items.isEmpty() || r.header("liaison-more") != "1");
            for (const auto &it : items)
                QCOMPARE(it.data.size() > kBodyBytes, true);
            received += int(items.size());
            if (items.isEmpty())
                break;
            after = qint64(items.last().key);
            const Reply ack = signedCall(c, hq, "POST", "/v1/mailbox/ack",
                                         jsonBytes({{QStringLiteral("through"), qint64(after)}}));
            QCOMPARE(ack.status, 200);
            if (r.header("liaison-more") != "1")
                break;
        }
        qInfo("seal %lld ms", sealMs);
        QCOMPARE(received, count);
        watch.stop();

        const qint64 peak = env.relay->peakRssKiB();
        qInfo("backend %s: posted in %lld ms, pulled in %lld ms with %d requests (largest %lld "
              "bytes); relay VmHWM %lld KiB; health %d answers, %d failures, slowest %lld ms",
              qPrintable(env.backend.kind), postMs, pull.elapsed(), requests, largestResponse, peak,
              watch.answers.load(), watch.failures.load(), watch.slowestMs.load());
        QVERIFY(!watch.killed);
        QVERIFY(peak > 0);
        QVERIFY2(peak < kPeakLimitKiB, qPrintable(QStringLiteral("VmHWM %1 KiB").arg(peak)));
        QVERIFY(watch.answers > 10);
        QCOMPARE(watch.failures.load(), 0);
        QVERIFY2(watch.slowestMs < kHealthSlowMs,
                 qPrintable(QStringLiteral("slowest health answer %1 ms").arg(watch.slowestMs)));
    }
};

LIAISON_TEST_MAIN(TestRelayBigMail)
#include "tst_relay_bigmail.moc"
