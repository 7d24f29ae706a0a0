#include "relayconfig.h"

#include <boost/asio/ip/address.hpp>

#include <QFile>
#include <QProcessEnvironment>
#include <QUrl>
#include <QUrlQuery>

namespace liaison::relay {

namespace {

struct Flag
{
    const char *name; // without the leading dashes
    bool takesValue;
};

constexpr Flag kFlags[] = {
    {"listen", true},
    {"ops-listen", true},
    {"db", true},
    {"root-key", true},
    {"hq-cert", true},
    {"tls-cert", true},
    {"tls-key", true},
    {"dev-plain-http", false},
    {"public-host", true},
    {"max-body", true},
    {"max-header", true},
    {"mailbox-depth", true},
    {"sender-quota", true},
    {"sender-quota-bytes", true},
    {"rate", true},
    {"burst", true},
    {"address-rate", true},
    {"address-burst", true},
    {"read-timeout-ms", true},
    {"write-timeout-ms", true},
    {"long-poll-max-ms", true},
    {"db-threads", true},
    {"max-connections", true},
    {"max-connections-per-address", true},
    {"min-rate", true},
    {"trusted-proxy", true},
    {"quiet", false},
    {"help", false},
#if defined(LIAISON_TEST_HOOKS)
    {"test-clock-offset-ms", true}, // tests of retention and clock skew; not in product builds
#endif
    {"max-inflight-body", true},
    {"max-read-bytes", true},
};

QString envName(const char *flag)
{
    QString n = QStringLiteral("LIAISON_RELAY_") + QString::fromLatin1(flag).toUpper();
    n.replace(QLatin1Char('-'), QLatin1Char('_'));
    return n;
}

std::unexpected<Error> bad(const QString &m)
{
    return fail(Errc::InvalidArgument, m);
}

std::optional<std::int64_t> toInt(const QString &v, std::int64_t min, std::int64_t max)
{
    bool ok = false;
    const qint64 n = v.toLongLong(&ok);
    if (!ok || n < min || n > max)
        return std::nullopt;
    return n;
}

} // namespace

QString relayHelpText()
{
    QString text = QStringLiteral(R"(liaison-relay: store-and-forward relay for Liaison envelopes.

The relay sees only ciphertext and the fixed routing header. Devices and HQ sign every request
(LIAISN-req-v1); admin calls are signed by the relay-admin key of the current HQ certificate,
which must chain to the pinned root key.

Usage: liaison-relay --root-key HEX [options]

Every flag can also be given in the environment as LIAISON_RELAY_<FLAG> (upper case, '-' -> '_'),
e.g. LIAISON_RELAY_DB=postgresql://relay@db/relay. A flag wins over the environment.

  --listen HOST:PORT        public HTTPS address (default 0.0.0.0:8443)
  --ops-listen HOST:PORT    operations address serving GET /v1/health and GET /metrics
                            (Prometheus text), plain HTTP; keep it internal
                            (default 127.0.0.1:9464)
  --db URL                  storage:
                              sqlite:PATH               embedded SQLite file (WAL, synchronous
                                                        FULL); the default is
                                                        sqlite:liaison-relay.db in the working
                                                        directory. One relay process per file.
                              postgresql://USER[:PASS]@HOST[:PORT]/DB[?k=v&...]
                                                        PostgreSQL; any number of relay
                                                        processes may share one database
                                                        (extra k=v are libpq parameters)
  --root-key HEX|@FILE      the HQ root public key (Ed25519, 64 hex digits), required
  --hq-cert FILE            install this HQ certificate at start (it can also be uploaded with
                            PUT /v1/hq-cert; the valid one with the highest serial wins)
  --tls-cert FILE           PEM certificate chain for the public address
  --tls-key FILE            PEM private key for it; the SPKI SHA-256 pin is logged at start
                            and reported by /v1/health
  --dev-plain-http          serve plain HTTP instead of TLS; only with a loopback --listen
                            address (refused otherwise). For development and tests.
  --public-host NAME        accepted Host value in the signed request audience; repeat for
                            several (default: the names of the TLS certificate, any
                            port; with --dev-plain-http the loopback names)

Limits (each refusal is a JSON body {"error": code, "message": text} with the status):
  --max-header BYTES        request line + headers (default 16384; over it: 431)
  --max-body BYTES          envelope size (default 16781312; over it: 413, refused from
                            Content-Length or as soon as a streamed body crosses it)
  --mailbox-depth N         envelopes waiting in a device's mailbox (default 10000; over
                            it: 429 mailbox_full)
  --sender-quota N          envelopes one device may have waiting in HQ's mailbox (default:
                            --mailbox-depth; over it: 429 mailbox_full naming the sender's
                            share), so one device cannot fill HQ's mailbox for the others
  --sender-quota-bytes B    bytes one device may have waiting in HQ's mailbox (default
                            1073741824; at least one envelope always fits)
  --rate PER_SECOND         sustained requests per key or address (default 50; over: 429)
  --burst N                 burst allowance (default 200)
  --address-rate PER_SECOND requests per client address, counted before any database or
                            signature work (default 20 x --rate; over: 429). Repeated failed
                            authentications from one address (about 20, then 1 a second)
                            make it refuse unknown key ids without looking them up.
  --address-burst N         burst allowance per address (default 10 x --burst)
  --read-timeout-ms MS      request read deadline: the headers within it, the body within
                            it plus its size at --min-rate; a client that announces a body
                            and sends nothing is dropped at it (default 20000)
  --write-timeout-ms MS     response write deadline, plus the response's size at --min-rate
                            (default 20000)
  --min-rate BYTES          the slowest transfer accepted, bytes per second (default 16384):
                            a phone reading a 16 MB envelope at 256 KB/s completes, a client
                            trickling bytes is dropped
  --long-poll-max-ms MS     longest GET /v1/mailbox wait (default 30000)
  --max-read-bytes BYTES    bytes of envelopes in one mailbox or stream answer (default
                            8388608; at least one envelope is always returned)
  --db-threads N            database connections (default: SQLite 1 writer + 2 readers,
                            PostgreSQL 6)
  --max-connections N       concurrent connections (default 4096; over it: 503)
  --max-connections-per-address N
                            concurrent connections per client address (default 256; over
                            it: 503)
  --trusted-proxy ADDR      a reverse proxy in front of the relay (repeat for several): from
                            this address the last X-Forwarded-For entry is the client, for the
                            per-address limits and the log; from any other it is ignored
  --max-inflight-body BYTES request bodies being read at once, all connections together
                            (default 268435456; over it: 503), so memory stays bounded
  --quiet                   no per-request log line
)");
#if defined(LIAISON_TEST_HOOKS)
    text += QStringLiteral(
        "  --test-clock-offset-ms MS shift the relay's clock (tests of retention and clock skew "
        "only)\n");
#endif
    text += QStringLiteral(R"(  --help                    this text

Endpoints: POST /v1/envelopes, GET /v1/mailbox?after=C&limit=N&wait_ms=W&lane=priority|bulk
(lane=bulk also takes max_bytes=B and priority_after=C), POST /v1/mailbox/ack,
GET /v1/streams/{sender}/{epoch}?from=S&limit=N, GET|PUT /v1/hq-cert,
PUT|GET|POST /v1/enrol/{id}, PUT|GET /v1/wipe/{id}, POST|GET /v1/wipe/{id}/done,
PUT|DELETE /v1/devices/{id}. SIGTERM stops gracefully (answers in flight, then exits).
)");
    return text;
}

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(host.toStdString(), ec);
    return !ec && a.is_loopback();
}

Result<ListenAddress> parseListenAddress(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return bad(QStringLiteral("address must be HOST:PORT: %1").arg(text));
    ListenAddress a;
    a.host = text.left(colon);
    if (a.host.startsWith(QLatin1Char('[')) && a.host.endsWith(QLatin1Char(']')))
        a.host = a.host.mid(1, a.host.size() - 2);
    auto port = toInt(text.mid(colon + 1), 0, 65535);
    if (!port)
        return bad(QStringLiteral("bad port in %1").arg(text));
    a.port = quint16(*port);
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(a.host.toStdString(), ec);
    if (ec && a.host != QLatin1String("localhost"))
        return bad(QStringLiteral("listen host must be an IP address: %1").arg(a.host));
    return a;
}

Result<DbUrl> parseDbUrl(const QString &text)
{
    DbUrl u;
    if (text.startsWith(QLatin1String("sqlite:"))) {
        u.kind = DbUrl::Kind::Sqlite;
        u.sqlitePath = text.mid(7);
        if (u.sqlitePath.isEmpty())
            return bad(QStringLiteral("--db sqlite:PATH needs a path"));
        u.display = text;
        return u;
    }
    if (text.startsWith(QLatin1String("postgresql://")) ||
        text.startsWith(QLatin1String("postgres://"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return bad(QStringLiteral("bad PostgreSQL URL"));
        u.kind = DbUrl::Kind::Postgres;
        u.host = url.host();
        u.port = url.port(5432);
        u.user = url.userName();
        u.password = url.password();
        u.database = url.path().mid(1);
        if (u.database.isEmpty())
            return bad(QStringLiteral("PostgreSQL URL needs a database name"));
        QStringList opts;
        for (const auto &[k, v] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
            if (k.contains(QLatin1Char(';')) || v.contains(QLatin1Char(';')))
                return bad(QStringLiteral("bad PostgreSQL URL parameter"));
            opts << k + QLatin1Char('=') + v;
        }
        u.connectOptions = opts.join(QLatin1Char(';'));
        QUrl shown = url;
        shown.setPassword(QString());
        u.display = shown.toString();
        return u;
    }
    return bad(QStringLiteral("--db must be sqlite:PATH or postgresql://..."));
}

Result<RelayConfig> parseRelayArguments(const QStringList &args, bool *helpRequested)
{
    QHash<QString, QStringList> values;
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const Flag &f : kFlags) {
        const QString e = envName(f.name);
        if (!env.contains(e))
            continue;
        const QString v = env.value(e);
        if (!f.takesValue) {
            // A switch in the environment: 1/true/yes/on sets it, 0/false/no/off (or empty)
            // leaves it off; anything else is a mistake worth stopping for.
            const QString b = v.trimmed().toLower();
            if (b == QLatin1String("0") || b == QLatin1String("false") ||
                b == QLatin1String("no") || b == QLatin1String("off") || b.isEmpty())
                continue;
            if (b != QLatin1String("1") && b != QLatin1String("true") &&
                b != QLatin1String("yes") && b != QLatin1String("on"))
                return bad(QStringLiteral("%1 must be 1/true/yes/on or 0/false/no/off").arg(e));
        }
        values[QString::fromLatin1(f.name)] = {v};
    }
    QHash<QString, QStringList> fromArgs;
    for (qsizetype i = 1; i < args.size(); ++i) {
        QString a = args[i];
        if (!a.startsWith(QLatin1String("--")))
            return bad(QStringLiteral("unexpected argument: %1").arg(a));
        a = a.mid(2);
        QString value;
        bool hasInline = false;
        if (const qsizetype eq = a.indexOf(QLatin1Char('=')); eq > 0) {
            value = a.mid(eq + 1);
            a = a.left(eq);
            hasInline = true;
        }
        const Flag *flag = nullptr;
        for (const Flag &f : kFlags)
            if (a == QLatin1String(f.name))
                flag = &f;
        if (!flag)
            return bad(QStringLiteral("unknown flag --%1 (see --help)").arg(a));
        if (flag->takesValue && !hasInline) {
            if (i + 1 >= args.size())
                return bad(QStringLiteral("--%1 needs a value").arg(a));
            value = args[++i];
        } else if (!flag->takesValue) {
            value = QStringLiteral("1");
        }
        fromArgs[a].append(value);
    }
    for (auto it = fromArgs.begin(); it != fromArgs.end(); ++it)
        values[it.key()] = it.value();

    if (values.contains(QStringLiteral("help"))) {
        if (helpRequested)
            *helpRequested = true;
        return RelayConfig{};
    }

    RelayConfig c;
    auto one = [&](const char *n) {
        return values.value(QString::fromLatin1(n)).value(0);
    };
    auto has = [&](const char *n) {
        return values.contains(QString::fromLatin1(n));
    };

    if (has("listen")) {
        auto a = parseListenAddress(one("listen"));
        if (!a)
            return std::unexpected(a.error());
        c.listen = *a;
    }
    if (has("ops-listen")) {
        auto a = parseListenAddress(one("ops-listen"));
        if (!a)
            return std::unexpected(a.error());
        c.opsListen = *a;
    }
    auto db = parseDbUrl(has("db") ? one("db") : QStringLiteral("sqlite:liaison-relay.db"));
    if (!db)
        return std::unexpected(db.error());
    c.db = *db;

    if (!has("root-key"))
        return bad(QStringLiteral("--root-key is required (the HQ root public key)"));
    QString rootText = one("root-key").trimmed();
    if (rootText.startsWith(QLatin1Char('@'))) {
        QFile f(rootText.mid(1));
        if (!f.open(QIODevice::ReadOnly))
            return bad(QStringLiteral("cannot read --root-key file"));
        rootText = QString::fromLatin1(f.readAll()).trimmed();
    }
    auto root = crypto::SignPublicKey::fromHex(rootText.toLatin1());
    if (rootText.size() != 64 || !root)
        return bad(QStringLiteral("--root-key must be 64 hex digits"));
    c.rootKey = *root;

    c.hqCertFile = one("hq-cert");
    c.tlsCert = one("tls-cert");
    c.tlsKey = one("tls-key");
    c.devPlainHttp = has("dev-plain-http");
    c.quiet = has("quiet");
    c.publicHosts = values.value(QStringLiteral("public-host"));
    for (const QString &p : values.value(QStringLiteral("trusted-proxy"))) {
        boost::system::error_code ec;
        const auto a = boost::asio::ip::make_address(p.trimmed().toStdString(), ec);
        if (ec)
            return bad(QStringLiteral("--trusted-proxy must be an IP address: %1").arg(p));
        c.trustedProxies << QString::fromStdString(a.to_string());
    }

    struct IntFlag
    {
        const char *name;
        std::int64_t min, max;
        std::function<void(std::int64_t)> set;
    };
    const IntFlag ints[] = {
        {"max-body", 1024, 1LL << 30,
         [&](std::int64_t v) {
             c.bodyLimits.envelope = v;
         }},
        {"max-header", 1024, 1 << 20,
         [&](std::int64_t v) {
             c.maxHeaderBytes = std::uint32_t(v);
         }},
        {"mailbox-depth", 1, 100000000,
         [&](std::int64_t v) {
             c.mailboxDepth = v;
         }},
        {"sender-quota", 1, 100000000,
         [&](std::int64_t v) {
             c.senderQuota = v;
         }},
        {"sender-quota-bytes", 1024, 1LL << 50,
         [&](std::int64_t v) {
             c.senderQuotaBytes = v;
         }},
        {"read-timeout-ms", 100, 3600000,
         [&](std::int64_t v) {
             c.readTimeoutMs = int(v);
         }},
        {"write-timeout-ms", 100, 3600000,
         [&](std::int64_t v) {
             c.writeTimeoutMs = int(v);
         }},
        {"long-poll-max-ms", 0, 3600000,
         [&](std::int64_t v) {
             c.longPollMaxMs = int(v);
         }},
        {"db-threads", 1, 64,
         [&](std::int64_t v) {
             c.dbThreads = int(v);
         }},
        {"max-connections", 1, 1000000,
         [&](std::int64_t v) {
             c.maxConnections = int(v);
         }},
        {"max-connections-per-address", 1, 1000000,
         [&](std::int64_t v) {
             c.maxConnectionsPerAddress = int(v);
         }},
        {"min-rate", 1, 1LL << 30,
         [&](std::int64_t v) {
             c.minRate = v;
         }},
        {"max-inflight-body", 1 << 20, 1LL << 40,
         [&](std::int64_t v) {
             c.maxInflightBody = v;
         }},
        {"max-read-bytes", 64 * 1024, 1LL << 30,
         [&](std::int64_t v) {
             c.maxReadBytes = v;
         }},
#if defined(LIAISON_TEST_HOOKS)
        {"test-clock-offset-ms", -(1LL << 40), 1LL << 40,
         [&](std::int64_t v) {
             c.testClockOffsetMs = v;
         }},
#endif
    };
    for (const IntFlag &f : ints) {
        if (!has(f.name))
            continue;
        auto v = toInt(one(f.name), f.min, f.max);
        if (!v)
            return bad(QStringLiteral("--%1 must be a number in [%2, %3]")
                           .arg(QLatin1String(f.name))
                           .arg(f.min)
                           .arg(f.max));
        f.set(*v);
    }
    for (const char *n : {"rate", "burst", "address-rate", "address-burst"}) {
        if (!has(n))
            continue;
        bool ok = false;
        const double v = one(n).toDouble(&ok);
        const bool burst = QByteArrayView(n).endsWith("burst");
        if (!ok || v <= 0 || v > 1e9 || (burst && v < 1))
            return bad(
                burst ? QStringLiteral("--%1 must be a number >= 1 (a bucket smaller "
                                       "than one request refuses everything)")
                            .arg(QLatin1String(n))
                      : QStringLiteral("--%1 must be a positive number").arg(QLatin1String(n)));
        const QByteArrayView name(n);
        (name == "rate"           ? c.ratePerSecond
         : name == "burst"        ? c.rateBurst
         : name == "address-rate" ? c.addressRate
                                  : c.addressBurst) = v;
    }
    if (c.senderQuota <= 0)
        c.senderQuota = c.mailboxDepth;
    if (c.addressRate <= 0)
        c.addressRate = 20 * c.ratePerSecond;
    if (c.addressBurst <= 0)
        c.addressBurst = 10 * c.rateBurst;

    if (c.devPlainHttp) {
        if (!isLoopbackHost(c.listen.host))
            return bad(QStringLiteral("--dev-plain-http is allowed only with a loopback --listen "
                                      "address; devices must reach the relay over TLS"));
        if (!c.tlsCert.isEmpty() || !c.tlsKey.isEmpty())
            return bad(
                QStringLiteral("--dev-plain-http and --tls-cert/--tls-key exclude each other"));
    } else if (c.tlsCert.isEmpty() || c.tlsKey.isEmpty()) {
        return bad(QStringLiteral("--tls-cert and --tls-key are required (or --dev-plain-http "
                                  "on loopback)"));
    }
    return c;
}

} // namespace liaison::relay
