#pragma once

// liaison-relay configuration: command-line flags, each also settable through the environment
// (LIAISON_RELAY_<FLAG>, e.g. LIAISON_RELAY_DB for --db); a flag wins over the environment.

// <QHash> before crypto/bytes.h: its qHash overload needs qHashBits declared.
#include <QHash>

#include "crypto/bytes.h"
#include "error.h"
#include "router.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace liaison::relay {

struct ListenAddress
{
    QString host;
    quint16 port = 0;
};

struct DbUrl
{
    enum class Kind { Sqlite, Postgres } kind = Kind::Sqlite;
    QString sqlitePath;
    // PostgreSQL
    QString host;
    int port = 5432;
    QString user;
    QString password;
    QString database;
    QString connectOptions; // extra libpq parameters, "k=v;k=v"
    QString display;        // the URL without password, for logs
};

struct RelayConfig
{
    ListenAddress listen{QStringLiteral("0.0.0.0"), 8443};
    ListenAddress opsListen{QStringLiteral("127.0.0.1"), 9464};
    DbUrl db;
    crypto::SignPublicKey rootKey;
    QString hqCertFile;
    QString tlsCert;
    QString tlsKey;
    bool devPlainHttp = false;
    QStringList publicHosts; // accepted Host values for the request audience; empty = any

    BodyLimits bodyLimits;
    std::uint32_t maxHeaderBytes = 16 * 1024;
    std::int64_t mailboxDepth = 10000; // a device's mailbox (HQ is its only sender)
    // One sender's share of HQ's mailbox: envelopes (0 = mailboxDepth) and bytes waiting.
    std::int64_t senderQuota = 0;
    std::int64_t senderQuotaBytes = 1LL << 30;
    double ratePerSecond = 50.0;
    double rateBurst = 200.0;
    // Every request from one client address, before any database or crypto work; 0 = derived
    // (20 x ratePerSecond, 10 x rateBurst).
    double addressRate = 0;
    double addressBurst = 0;
    int readTimeoutMs = 20000;
    int writeTimeoutMs = 20000;
    int longPollMaxMs = 30000;
    int dbThreads = 0; // 0 = per backend default
    int maxConnections = 4096;
    int maxConnectionsPerAddress = 256; // per client address (per forwarded client behind a proxy)
    // Requests and responses must move at least this fast once the read/write deadline's grace
    // is spent (bytes per second).
    std::int64_t minRate = 16 * 1024;
    QStringList trustedProxies; // X-Forwarded-For is believed from these addresses only
    std::int64_t maxInflightBody = 256LL << 20;
    std::int64_t maxReadBytes = 8LL << 20; // one mailbox or stream answer (at least one item)
    bool quiet = false;                    // no per-request log lines
    std::int64_t testClockOffsetMs = 0;    // tests only (--test-clock-offset-ms, test builds)
};

[[nodiscard]] QString relayHelpText();

// Errc::InvalidArgument with a message naming the flag. `helpRequested` is set for --help.
[[nodiscard]] Result<RelayConfig> parseRelayArguments(const QStringList &args,
                                                      bool *helpRequested = nullptr);

[[nodiscard]] Result<DbUrl> parseDbUrl(const QString &text);
[[nodiscard]] Result<ListenAddress> parseListenAddress(const QString &text);
[[nodiscard]] bool isLoopbackHost(const QString &host);

} // namespace liaison::relay
