#include "dbpool.h"

#include <QLoggingCategory>

#include <future>

Q_DECLARE_LOGGING_CATEGORY(lcRelayStore)

namespace liaison::relay {

namespace {
constexpr std::size_t kMaxBatch = 128;
// SQLite checkpoints (see dbpool.h): the checkpointer's pause between two passes, so that pages
// written by many commits are copied once; and the WAL size (4 KiB frames, 32 MiB) past which
// the writer restarts it.
constexpr auto kCheckpointPause = std::chrono::milliseconds(100);
constexpr std::int64_t kRestartFrames = 8192;
} // namespace

DbPool::DbPool(DbUrl url, int threads, Poster post, std::size_t maxQueue)
    : m_url(std::move(url))
    , m_threads(threads)
    , m_post(std::move(post))
    , m_maxQueue(maxQueue)
{
    if (m_threads <= 0)
        m_threads = m_url.kind == DbUrl::Kind::Postgres ? 6 : 3;
    if (m_threads < 2)
        m_threads = 2; // a writer and at least one other
}

DbPool::~DbPool()
{
    stop();
}

Status DbPool::start()
{
    {
        auto store = RelayStore::open(m_url, QStringLiteral("relay-migrate"));
        if (!store)
            return std::unexpected(store.error());
        if (auto s = (*store)->migrate(); !s)
            return s;
    }
    const bool sqlite = m_url.kind == DbUrl::Kind::Sqlite;
    std::vector<std::promise<Status>> ready(static_cast<std::size_t>(m_threads + (sqlite ? 1 : 0)));
    if (sqlite)
        m_workers.emplace_back([this, p = &ready.back()] { checkpointerMain(p); });
    for (int i = 0; i < m_threads; ++i) {
        Role role = Role::Any;
        if (i == 0)
            role = Role::Writer;
        else if (m_url.kind == DbUrl::Kind::Sqlite)
            role = Role::Reader;
        m_workers.emplace_back(
            [this, i, role, p = &ready[std::size_t(i)]] { workerMain(i, role, p); });
    }
    Status result;
    for (auto &p : ready) {
        Status s = p.get_future().get();
        if (!s && result)
            result = s;
    }
    if (!result)
        stop();
    return result;
}

bool DbPool::submit(Kind kind, Work work, Done done)
{
    const bool pg = m_url.kind == DbUrl::Kind::Postgres;
    if ((kind == Kind::Autocommit || kind == Kind::Grouped) && !pg)
        kind = Kind::Write;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || m_writes.size() + m_reads.size() + m_grouped.size() >= m_maxQueue)
            return false;
        auto &q = kind == Kind::Read ? m_reads : kind == Kind::Grouped ? m_grouped : m_writes;
        q.push_back(Job{kind, std::move(work), std::move(done)});
        ++m_jobsSubmitted;
    }
    if (kind == Kind::Grouped)
        m_groupCv.notify_one();
    else if (!pg)
        (kind == Kind::Read ? m_readCv : m_writeCv).notify_one();
    else
        m_writeCv.notify_one();
    return true;
}

void DbPool::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_writeCv.notify_all();
    m_readCv.notify_all();
    m_groupCv.notify_all();
    m_checkpointCv.notify_all();
    for (auto &t : m_workers)
        if (t.joinable())
            t.join();
    m_workers.clear();
}

std::size_t DbPool::queueDepth() const
{
    std::lock_guard lock(m_mutex);
    return m_writes.size() + m_reads.size() + m_grouped.size();
}

Result<std::unique_ptr<RelayStore>> DbPool::openStore(int index, Role role)
{
    auto s = RelayStore::open(m_url, index < 0 ? QStringLiteral("relay-checkpointer")
                                               : QStringLiteral("relay-worker-%1").arg(index));
    if (s && role == Role::Writer && m_url.kind == DbUrl::Kind::Sqlite) {
        // The checkpointer copies the WAL; commits only append to it.
        if (auto a = (*s)->setAutoCheckpoint(0); !a)
            return std::unexpected(a.error());
    }
    return s;
}

bool DbPool::ensureOpen(std::unique_ptr<RelayStore> &store, int index, Role role)
{
    if (store && store->isOpen())
        return true;
    store.reset();
    auto s = openStore(index, role);
    if (!s) {
        qCWarning(lcRelayStore) << "database connection failed:" << s.error().message;
        return false;
    }
    store = std::move(*s);
    return true;
}

void DbPool::workerMain(int index, Role role, std::promise<Status> *ready)
{
    std::unique_ptr<RelayStore> store;
    {
        auto s = openStore(index, role);
        if (!s) {
            ready->set_value(std::unexpected(s.error()));
            return;
        }
        store = std::move(*s);
        ready->set_value({});
    }
    std::vector<Job> batch;
    for (;;) {
        const bool pgWriter = role == Role::Writer && m_url.kind == DbUrl::Kind::Postgres;
        if (role == Role::Writer && m_restartWanted.exchange(false) &&
            ensureOpen(store, index, role)) {
            // Between two batches: most of the WAL is in the database file already.
            if (auto c = store->checkpoint(RelayStore::CheckpointMode::Restart); !c)
                qCWarning(lcRelayStore) << "WAL restart failed:" << c.error().message;
        }
        batch.clear();
        {
            std::unique_lock lock(m_mutex);
            auto &cv = pgWriter ? m_groupCv : role == Role::Reader ? m_readCv : m_writeCv;
            cv.wait(lock, [&] {
                if (m_stopping)
                    return true;
                if (pgWriter)
                    return !m_grouped.empty();
                if (role == Role::Writer)
                    return !m_writes.empty();
                if (role == Role::Reader)
                    return !m_reads.empty();
                return !m_writes.empty() || !m_reads.empty();
            });
            auto take = [&](std::deque<Job> &q, std::size_t max) {
                while (!q.empty() && batch.size() < max) {
                    batch.push_back(std::move(q.front()));
                    q.pop_front();
                }
            };
            if (pgWriter)
                take(m_grouped, kMaxBatch);
            else if (role == Role::Writer)
                take(m_writes, kMaxBatch);
            else if (role == Role::Reader)
                take(m_reads, 1);
            else if (!m_writes.empty())
                take(m_writes, 1);
            else
                take(m_reads, 1);
            if (batch.empty() && m_stopping)
                break;
        }
        if (pgWriter) {
            runGroup(store, index, batch);
            continue;
        }
        runBatch(store, index, batch);
        if (role == Role::Writer && m_url.kind == DbUrl::Kind::Sqlite) {
            {
                std::lock_guard lock(m_mutex);
                ++m_writeBatches;
            }
            m_checkpointCv.notify_one();
        }
    }
    store.reset();
}

void DbPool::checkpointerMain(std::promise<Status> *ready)
{
    std::unique_ptr<RelayStore> store;
    {
        auto s = openStore(-1, Role::Reader);
        if (!s) {
            ready->set_value(std::unexpected(s.error()));
            return;
        }
        store = std::move(*s);
        ready->set_value({});
    }
    std::uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_checkpointCv.wait(lock, [&] { return m_stopping || m_writeBatches != seen; });
            if (m_stopping)
                break;
            seen = m_writeBatches;
        }
        if (!ensureOpen(store, -1, Role::Reader))
            continue;
        if (auto c = store->checkpoint(RelayStore::CheckpointMode::Passive); !c) {
            qCWarning(lcRelayStore) << "checkpoint failed:" << c.error().message;
        } else if (c->logFrames >= kRestartFrames) {
            m_restartWanted = true;
        }
        std::unique_lock lock(m_mutex);
        if (m_checkpointCv.wait_for(lock, kCheckpointPause, [&] { return m_stopping; }))
            break;
    }
    // The last connection to close (the writer's) checkpoints what is left.
    store.reset();
}

void DbPool::runGroup(std::unique_ptr<RelayStore> &store, int index, std::vector<Job> &batch)
{
    std::vector<Status> results(batch.size());
    auto alone = [&](std::size_t i) {
        // Autocommit: each statement of the work commits on its own.
        if (!ensureOpen(store, index, Role::Writer)) {
            results[i] = fail(Errc::Io, QStringLiteral("database unavailable"));
        } else if (auto r = batch[i].work(*store); !r) {
            results[i] = std::unexpected(r.error());
            if (!store->ping())
                store.reset(); // the server dropped us: reconnect for the next job
        } else {
            results[i] = {};
        }
    };
    bool grouped = false;
    if (batch.size() > 1 && ensureOpen(store, index, Role::Writer)) {
        if (auto b = store->beginGroup(); !b) {
            store.reset(); // the server may have dropped the connection
        } else {
            bool failed = false;
            for (std::size_t i = 0; i < batch.size() && !failed; ++i)
                failed = !batch[i].work(*store); // a Rollback verdict undoes nothing
            if (!failed) {
                // Every request of the group is answered only once its commit is durable. A
                // failed commit may or may not have happened: answer failure, run nothing again
                // (the nonces may be spent).
                if (auto c = store->commitGroup(); !c) {
                    for (auto &r : results)
                        r = c;
                    if (!store->ping())
                        store.reset();
                }
                grouped = true;
            } else {
                store->rollbackGroup();
                if (!store->ping())
                    store.reset();
            }
        }
    }
    if (!grouped)
        for (std::size_t i = 0; i < batch.size(); ++i)
            alone(i);
    for (std::size_t i = 0; i < batch.size(); ++i)
        m_post([done = std::move(batch[i].done), st = std::move(results[i])]() mutable {
            done(std::move(st));
        });
}

void DbPool::runBatch(std::unique_ptr<RelayStore> &store, int index, std::vector<Job> &batch)
{
    std::vector<Status> results(batch.size());
    auto failAll = [&](const Error &e) {
        for (auto &r : results)
            r = std::unexpected(e);
    };
    const bool write = batch.front().kind != Kind::Read;
    if (m_url.kind == DbUrl::Kind::Postgres && batch.front().kind != Kind::Write) {
        // PostgreSQL workers take one job at a time; reads and Autocommit work run without an
        // explicit transaction.
        if (!ensureOpen(store, index, Role::Any)) {
            failAll(Error(Errc::Io, QStringLiteral("database unavailable")));
        } else if (auto r = batch.front().work(*store); !r) {
            results[0] = std::unexpected(r.error());
            if (!store->ping())
                store.reset(); // the server dropped us: reconnect for the next job
        }
        for (std::size_t i = 0; i < batch.size(); ++i)
            m_post([done = std::move(batch[i].done), st = std::move(results[i])]() mutable {
                done(std::move(st));
            });
        return;
    }

    const Role role = index == 0 && m_url.kind == DbUrl::Kind::Sqlite ? Role::Writer : Role::Any;
    Status began = ensureOpen(store, index, role)
                       ? store->begin(write)
                       : Status(fail(Errc::Io, QStringLiteral("database unavailable")));
    if (!began && store) {
        // The server may have dropped the connection: reconnect once.
        store.reset();
        began = ensureOpen(store, index, role)
                    ? store->begin(write)
                    : Status(fail(Errc::Io, QStringLiteral("database unavailable")));
    }
    if (!began) {
        failAll(began.error());
    } else if (batch.size() == 1) {
        auto r = batch.front().work(*store);
        if (!r) {
            store->rollback();
            results[0] = std::unexpected(r.error());
        } else if (*r == Verdict::Rollback) {
            store->rollback();
        } else if (auto c = store->commit(); !c) {
            store->rollback();
            results[0] = c;
        }
    } else {
        bool broken = false;
        for (std::size_t i = 0; i < batch.size() && !broken; ++i) {
            if (auto s = store->savepoint(); !s) {
                results[i] = s;
                broken = true;
                break;
            }
            auto r = batch[i].work(*store);
            Status end;
            if (r && *r == Verdict::Commit) {
                end = store->releaseSavepoint();
            } else {
                if (!r)
                    results[i] = std::unexpected(r.error());
                end = store->rollbackToSavepoint();
            }
            if (!end) {
                results[i] = end;
                broken = true;
            }
        }
        if (broken) {
            store->rollback();
            failAll(Error(Errc::Io, QStringLiteral("group commit aborted")));
        } else if (auto c = store->commit(); !c) {
            store->rollback();
            failAll(c.error());
        }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        m_post([done = std::move(batch[i].done), st = std::move(results[i])]() mutable {
            done(std::move(st));
        });
    }
}

} // namespace liaison::relay
