#pragma once

// Database worker threads. Qt SQL connections belong to the thread that opened them, so each
// worker opens its own RelayStore and runs jobs posted from the HTTP (Asio) thread; results go
// back through `post`, after the transaction committed.
//
// SQLite: one writer thread (SQLite has one writer anyway) that group-commits: it takes every
// queued write job (up to a batch), runs each under a savepoint inside one transaction and
// commits once, so one fsync acknowledges the whole batch. Reader threads serve read-only jobs
// from the WAL snapshot in parallel. The writer does not checkpoint: a checkpointer thread with
// its own connection copies the WAL into the database file (PASSIVE, never blocking the writer)
// at most every kCheckpointPause while commits come in; when the WAL has grown past
// kRestartFrames anyway, the writer runs one RESTART checkpoint between two batches (the
// checkpointer has copied most of it by then) so that the WAL starts again from its beginning.
// PostgreSQL: a group-commit writer and N-1 symmetric workers. The writer takes every queued
// Grouped job (appends, first mailbox reads: each one statement on the store's libpq
// connection) and runs them back to back in one transaction, so one WAL flush acknowledges the
// whole group. Appends to one mailbox hold its row lock to the commit, so one transaction per
// append would flush the WAL once per append of HQ's mailbox, one after the other. The other
// workers run the rest, one transaction per job (the server coalesces the WAL flushes of
// concurrent commits itself, and per-job transactions keep mailbox row locks short).

#include "error.h"
#include "relayconfig.h"
#include "relaystore.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace liaison::relay {

class DbPool
{
public:
    enum class Kind {
        Read,  // read-only
        Write, // in a transaction (SQLite: a savepoint of the writer's group commit)
        // PostgreSQL: no explicit transaction, each statement commits on its own (one round trip
        // each instead of BEGIN ... COMMIT around them). Only for work whose writes each stand
        // alone: a Rollback verdict or an error undoes nothing already run. SQLite: as Write.
        Autocommit,
        // PostgreSQL: as Autocommit, and the work uses only the store's libpq statements
        // (admitAndAppend, admitAndReadMailbox): the writer runs a group of such jobs in one
        // transaction. When one fails, the group rolls back and each job runs again on its own
        // (so the work must set all of its outputs each time it runs). SQLite: as Write.
        Grouped,
    };
    enum class Verdict { Commit, Rollback };
    // Runs inside a transaction (or a savepoint of a group commit), unless Autocommit on
    // PostgreSQL. An error rolls it back.
    using Work = std::function<Result<Verdict>(RelayStore &)>;
    // Called through `post` once the outcome is durable: ok = the work ran and its transaction
    // committed (or it chose Rollback); an error = the database failed.
    using Done = std::function<void(Status)>;
    using Poster = std::function<void(std::function<void()>)>;

    DbPool(DbUrl url, int threads, Poster post, std::size_t maxQueue = 20000);
    ~DbPool();
    DbPool(const DbPool &) = delete;
    DbPool &operator=(const DbPool &) = delete;

    // Migrates the schema, then starts the workers and waits until each has its connection.
    [[nodiscard]] Status start();
    // false: the queue is full or the pool is stopping (the caller answers 503).
    [[nodiscard]] bool submit(Kind kind, Work work, Done done);
    // Finishes queued jobs, then joins the workers.
    void stop();

    [[nodiscard]] std::size_t queueDepth() const;
    // Jobs accepted since start (each is at least one database round trip).
    [[nodiscard]] std::uint64_t jobsSubmitted() const
    {
        std::lock_guard lock(m_mutex);
        return m_jobsSubmitted;
    }
    [[nodiscard]] bool isPostgres() const { return m_url.kind == DbUrl::Kind::Postgres; }
    [[nodiscard]] const DbUrl &url() const { return m_url; }

private:
    struct Job
    {
        Kind kind;
        Work work;
        Done done;
    };
    enum class Role { Writer, Reader, Any };
    void workerMain(int index, Role role, std::promise<Status> *ready);
    void checkpointerMain(std::promise<Status> *ready);
    void runBatch(std::unique_ptr<RelayStore> &store, int index, std::vector<Job> &batch);
    void runGroup(std::unique_ptr<RelayStore> &store, int index, std::vector<Job> &batch);
    [[nodiscard]] bool ensureOpen(std::unique_ptr<RelayStore> &store, int index, Role role);
    [[nodiscard]] Result<std::unique_ptr<RelayStore>> openStore(int index, Role role);

    DbUrl m_url;
    int m_threads;
    Poster m_post;
    std::size_t m_maxQueue;

    mutable std::mutex m_mutex;
    std::condition_variable m_writeCv;
    std::condition_variable m_readCv;
    std::deque<Job> m_writes;
    std::deque<Job> m_reads;
    std::deque<Job> m_grouped; // PostgreSQL: the writer's
    std::condition_variable m_groupCv;
    bool m_stopping = false;
    std::uint64_t m_jobsSubmitted = 0; // under m_mutex
    std::vector<std::thread> m_workers;
    // SQLite: write batches run (under m_mutex), the checkpointer's wake-up, and its request
    // that the writer restart the WAL.
    std::uint64_t m_writeBatches = 0;
    std::condition_variable m_checkpointCv;
    std::atomic<bool> m_restartWanted = false;
};

} // namespace liaison::relay
