#include "keychainkeystore.h"

#include "crypto/crypto.h"

#include <QEventLoop>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QThread>
#include <QTimer>

#include <optional>

#include <qt6keychain/keychain.h>

// Aliases and outcomes only: never a secret.
Q_LOGGING_CATEGORY(lcKeychain, "liaison.platform.keystore")

namespace liaison::platform {

namespace {

const QString kProbeAlias = QStringLiteral("liaison-probe");

struct Outcome
{
    bool finished = false;
    QKeychain::Error error = QKeychain::OtherError;
    QString errorText;
    crypto::SecretBytes data; // a read's secret
};

// QtKeychain keeps one job queue per process (its JobExecutor, living in the thread that used it
// first) and hears of its jobs' ends by queued signals that carry raw pointers. A job started
// on another thread (the vault's worker thread does every unlock) is deleted there while the
// queue still points at it: the app crashed on its first unlock with a key ring (SIGSEGV in
// QObject::disconnect inside libqt6keychain, seen by tst_app_residue). Every QtKeychain job
// therefore runs on one thread of the store's own, whatever thread the caller is on; the caller
// waits for it, which also keeps the vault's synchronous interface.
class KeychainThread
{
public:
    static KeychainThread &instance()
    {
        // Never destroyed: the thread serves until the process ends.
        static KeychainThread *const thread = new KeychainThread;
        return *thread;
    }

    template <typename F> auto call(F &&f) -> decltype(f())
    {
        if (QThread::currentThread() == &m_thread)
            return f();
        std::optional<decltype(f())> result;
        QMetaObject::invokeMethod(
            &m_context, [&] { result.emplace(f()); }, Qt::BlockingQueuedConnection);
        return std::move(*result);
    }

private:
    KeychainThread()
    {
        m_thread.setObjectName(QStringLiteral("liaison-keystore"));
        m_context.moveToThread(&m_thread);
        m_thread.start();
    }
    QThread m_thread;
    QObject m_context;
};

bool validAlias(const QString &alias)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
    return valid.match(alias).hasMatch();
}

// Runs `job` (which deletes itself when it ends) until it finishes or `timeout` passes.
Outcome run(QKeychain::Job *job, std::chrono::milliseconds timeout)
{
    Outcome outcome;
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    QEventLoop loop;
    // `loop` is the context: once this function returns, a late finish reaches nothing here.
    QObject::connect(job, &QKeychain::Job::finished, &loop, [&](QKeychain::Job *done) {
        outcome.finished = true;
        outcome.error = done->error();
        outcome.errorText = done->errorString();
        if (auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(done);
            read && done->error() == QKeychain::NoError) {
            // binaryData() shares the job's buffer: wipe that one (data() would detach and
            // wipe a fresh copy).
            const QByteArray bytes = read->binaryData();
            outcome.data = crypto::SecretBytes::copyOf(bytes);
            crypto::memzero(const_cast<char *>(bytes.constData()), std::size_t(bytes.size()));
        }
        loop.quit();
    });
    QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
    job->start();
    if (!outcome.finished)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    if (!outcome.finished) {
        outcome.error = QKeychain::OtherError;
        outcome.errorText =
            QStringLiteral("the key store did not answer within %1 s")
                .arg(std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
    }
    return outcome;
}

Error storeError(const QString &what, const Outcome &outcome)
{
    return Error{Errc::Io, QStringLiteral("%1: %2").arg(what, outcome.errorText)};
}

} // namespace

KeychainKeyStore::KeychainKeyStore(QString service, Traits traits,
                                   std::chrono::milliseconds timeout)
    : m_service(std::move(service))
    , m_traits(std::move(traits))
    , m_timeout(timeout)
{}

Status KeychainKeyStore::probe(const QString &service, std::chrono::milliseconds timeout)
{
    const Outcome outcome = KeychainThread::instance().call([&] {
        auto *job = new QKeychain::ReadPasswordJob(service);
        job->setKey(kProbeAlias);
        return run(job, timeout);
    });
    if (outcome.error == QKeychain::NoError || outcome.error == QKeychain::EntryNotFound)
        return {};
    qCInfo(lcKeychain).noquote() << "the platform key store does not answer:" << outcome.errorText;
    return std::unexpected(
        storeError(QStringLiteral("the platform key store does not answer"), outcome));
}

// Runs the job `makeJob()` builds; again after reconnect() while it fails other than "not found".
// On the keychain thread, as every job.
template <typename MakeJob> auto KeychainKeyStore::runWithRetry(MakeJob makeJob)
{
    return KeychainThread::instance().call([&] {
        Outcome outcome = run(makeJob(), m_timeout);
        // Twice: the first call after a reconnect can still meet the old session.
        for (int retry = 0; retry < 2 && m_traits.reconnect; ++retry) {
            if (outcome.error == QKeychain::NoError || outcome.error == QKeychain::EntryNotFound)
                break;
            qCInfo(lcKeychain).noquote() << "retrying after:" << outcome.errorText;
            m_traits.reconnect();
            outcome = run(makeJob(), m_timeout);
        }
        return outcome;
    });
}

Result<crypto::SecretBytes> KeychainKeyStore::read(const QString &alias)
{
    if (!validAlias(alias))
        return fail(Errc::InvalidArgument, QStringLiteral("invalid key-store alias"));
    Outcome outcome = runWithRetry([&] {
        auto *job = new QKeychain::ReadPasswordJob(m_service);
        job->setKey(alias);
        return job;
    });
    if (outcome.error == QKeychain::EntryNotFound)
        return fail(Errc::NotFound, QStringLiteral("the key store holds no item %1").arg(alias));
    if (outcome.error != QKeychain::NoError) {
        qCWarning(lcKeychain).noquote() << "read failed:" << alias << outcome.errorText;
        return std::unexpected(
            storeError(QStringLiteral("cannot read from the key store"), outcome));
    }
    return std::move(outcome.data);
}

Status KeychainKeyStore::write(const QString &alias, QByteArrayView secret)
{
    if (!validAlias(alias))
        return fail(Errc::InvalidArgument, QStringLiteral("invalid key-store alias"));
    // The job keeps a shallow copy of `held` until it ends; once it has ended, the bytes are
    // wiped through `held` (constData: no detach). A job that timed out may still write, so its
    // bytes are left alone; so are those of an attempt before a retry.
    QByteArray held;
    const Outcome outcome = runWithRetry([&] {
        auto *job = new QKeychain::WritePasswordJob(m_service);
        job->setKey(alias);
        held = secret.toByteArray();
        job->setBinaryData(held);
        return job;
    });
    if (outcome.finished)
        crypto::memzero(const_cast<char *>(held.constData()), std::size_t(held.size()));
    if (outcome.error != QKeychain::NoError) {
        qCWarning(lcKeychain).noquote() << "write failed:" << alias << outcome.errorText;
        return std::unexpected(
            storeError(QStringLiteral("cannot write to the key store"), outcome));
    }
    return {};
}

Status KeychainKeyStore::remove(const QString &alias)
{
    if (!validAlias(alias))
        return fail(Errc::InvalidArgument, QStringLiteral("invalid key-store alias"));
    const Outcome outcome = runWithRetry([&] {
        auto *job = new QKeychain::DeletePasswordJob(m_service);
        job->setKey(alias);
        return job;
    });
    if (outcome.error == QKeychain::NoError || outcome.error == QKeychain::EntryNotFound)
        return {};
    qCWarning(lcKeychain).noquote() << "remove failed:" << alias << outcome.errorText;
    return std::unexpected(storeError(QStringLiteral("cannot remove from the key store"), outcome));
}

} // namespace liaison::platform
