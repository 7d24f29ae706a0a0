// Issue 8, "The convergence test becomes a checker of the real faults" (DESIGN.md "Streams",
// "Data", "Clocks"; review protocol.md (d)). HQ plus 5 devices over the real stack (SQLCipher
// stores, RecordStore, DeviceApplier, HqApplier/HqFanout, stream outboxes, receivers, sealed and
// signed envelopes) run at least 200 random actions per seed, then an honest settle phase, then
// the invariants:
//   I1 every node equal: each active device's records of its scopes, canonical dump plus owner,
//      equal HQ's; it holds exactly HQ's scopes and nothing of others; no stream frozen;
//   I2 no write lost: every operation HQ accepted (its own, or a device's that reached it) is in
//      HQ's final state or overwritten by a higher stamp or a tombstone; every operation a device
//      created either reached HQ or is shown to its officer as rejected;
//   I3 a revoked device received nothing sealed after its revocation (a WIPE excepted);
//   I4 no alarm anywhere with an honest relay and correct clocks.
//
// Fault families, each switched on or off by LIAISON_FAULTS (comma list, "all", "none"; a leading
// "-" removes one from the default set, e.g. "all,-revoke"):
//   clocks     per-node wall clocks with skew up to +-1 h and jumps (HQ included), long pauses
//   crash      devices and HQ drop every in-memory object and reopen from disk at random points,
//              also inside an open transaction (what a kill -9 leaves)
//   relay      a hostile relay, both directions; "relay" switches on all five of:
//     delay    long delays (HEARTBEATs late by hours), pauses spent online so timers fire
//     withhold everything to a recipient withheld until a new epoch (a RESYNC) starts
//     drop     envelopes acknowledged to the sender, then dropped for good
//     replay   old envelopes (old epochs included) delivered again
//     truncate parts 2..n of a multi-part RESYNC / SCOPE_JOIN withheld
//   members    scope joins and leaves during the run
//   revoke     a device is revoked (wipe-only, WIPE sent) and keeps talking as a stolen phone
//   multipart  tiny RESYNC and SCOPE_JOIN part sizes, so snapshots always have several parts
// Always on: device and HQ edits of every record type a role may write, RESYNCs, RECEIPTs,
// HEARTBEATs, and an honest but unreliable relay (shuffled, duplicated, held back, failed posts,
// late acknowledgements, devices offline), and the desk deciding the deletions of shared contacts
// HQ holds (issue 8 point 9).
//
// Seeds: every device id, key, database key, record id (RecordStore::setIdSource with
// test::SeededIds) and choice comes from the seed; only envelope nonces stay random (libsodium),
// and no choice depends on envelope bytes. A seed replays the same run, in any process
// (seedReplaysExactly compares two runs' digests: steps, ids, stamps, final states;
// LIAISON_CONVERGENCE_DIGEST=1 prints each seed's digest). A failure prints the seed and the
// families.
//   LIAISON_SEED=n                one seed
//   LIAISON_SEEDS=a-b or =count   a range (default 1-LIAISON_SEED_COUNT, CI budget below)
//   LIAISON_SOAK_SECONDS=s        run seeds from LIAISON_SEED_FIRST (default 1) until s seconds
//                                 have passed (both CI sets: half each); prints the count and
//                                 the first failing seed
//   LIAISON_ACTIONS=n             actions per seed (default 200)
//   LIAISON_CONVERGENCE_TRACE=1   trace every step
//   LIAISON_CONVERGENCE_DIGEST=1  print each seed's digest (Star::digest)

#include "../unit/tst_receiver_harness.h"
#include "clock/clock.h"
#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
#include "model/recordstore.h"
#include "seededids.h"
#include "testmain.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHashSeed>
#include <QLoggingCategory>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <random>
#include <set>

using namespace liaison;
using namespace liaison::streams;
using liaison::streams::test::Directory;

namespace {

bool tracing()
{
    static const bool on = qEnvironmentVariableIsSet("LIAISON_CONVERGENCE_TRACE");
    return on;
}

// Every step of a run goes into the Star's journal (its hash is part of Star::digest()) and, with
// LIAISON_CONVERGENCE_TRACE, to stderr. Only inside Star.
#define TRACE(...) note(__VA_ARGS__)

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return QStringLiteral("%1 (line %2)").arg(what).arg(__LINE__);                         \
    } while (0)

#define CHECK_OK(expr, what)                                                                       \
    do {                                                                                           \
        auto ok_ = (expr);                                                                         \
        if (!ok_)                                                                                  \
            return QStringLiteral("%1: %2 (line %3)")                                              \
                .arg(what, ok_.error().message)                                                    \
                .arg(__LINE__);                                                                    \
    } while (0)

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if (QString e_ = (expr); !e_.isEmpty())                                                    \
            return e_;                                                                             \
    } while (0)

QByteArray shortHex(const crypto::Id16 &id)
{
    return id.toHex().left(4);
}

// ---- fault families ----

enum Family : unsigned {
    Clocks = 1u << 0,
    Crash = 1u << 1,
    Delay = 1u << 2,
    Members = 1u << 3,
    Revoke = 1u << 4,
    Multipart = 1u << 5,
    Withhold = 1u << 6,
    Drop = 1u << 7,
    Replay = 1u << 8,
    Truncate = 1u << 9,
    HostileRelay = Delay | Withhold | Drop | Replay | Truncate,
};
constexpr unsigned kAllFamilies = Clocks | Crash | HostileRelay | Members | Revoke | Multipart;
// The families run in scripts/test, in two sets (LIAISON_FAULTS unset). A family that fails on
// main stays off there and runnable (LIAISON_SEED=n LIAISON_FAULTS=none,<family>) until its
// invariants hold. (clocks: on in the first set since a ClockAhead REJECT lowers the device's
// HQ-time bound to HQ's clock, the poison reset happens once, and the oracle follows re-stamped
// writes; not in the second set, which is the one that checks I4, no alarm, and clocks would
// switch that off.) (members with delay: on since the
// REJECT of a replaced `down` epoch reaches the held list, issue 8 points 4 and 11; withhold and
// drop: on since HQ parks the envelopes of a new `up` epoch whose opening RECEIPT is lost, and
// its gap timer then asks for a RESYNC, issue 8 point 5.)
// Known soak failures (30-minute soak at 6ff91db, before withhold and drop joined: 691 + 1152
// seeds, 3 failed), all I1 after a REJECT of an operation raced a re-issued copy of the same
// operation: HQ takes the copy while the author rolled the operation back, and HQ never sends
// an author its own operation:
//   seed 240 (crash,members,revoke,multipart) and 465 (first set, without withhold and drop): a
//             shared-contact deletion the desk refused (REJECT DeleteRefused) came again
//             (re-issued after a RESYNC) once another device's deletion was accepted; HQ
//             applied it ("record already deleted"): HQ's tombstone stamp is the refused one
//   seed 243 (first set, without withhold and drop): the REJECT (OutOfScope) HQ sends again
//             after a RESYNC (refreshReject) arrives after the device re-issued the create in
//             its new `up` epoch; HQ accepts the copy (member again), the device drops the
//             record (passes with that re-send switched off)
// On a later main (with withhold and drop) these three seeds run differently and pass; the race
// is not known to be fixed.
constexpr unsigned kCiFamilies =
    Clocks | Crash | Multipart | Revoke | Delay | Replay | Truncate | Members | Withhold | Drop;
constexpr unsigned kCiFamilies2 = Crash | Multipart | Revoke | Members;
// The set the 12-minute soak ran when it found the seeds of soakRegressions (the first set
// before clocks joined it; a seed replays only with the same families).
constexpr unsigned kSoakFamilies =
    Crash | Multipart | Revoke | Delay | Replay | Truncate | Members | Withhold | Drop;

const std::pair<const char *, Family> kFamilyNames[] = {
    {"clocks", Clocks}, {"crash", Crash},         {"delay", Delay},        {"withhold", Withhold},
    {"drop", Drop},     {"replay", Replay},       {"truncate", Truncate},  {"members", Members},
    {"revoke", Revoke}, {"multipart", Multipart}, {"relay", HostileRelay},
};

QString familiesText(unsigned f)
{
    QStringList out;
    for (const auto &[name, bit] : kFamilyNames) {
        if (bit != HostileRelay && (f & bit) == unsigned(bit))
            out.append(QLatin1StringView(name));
    }
    return out.isEmpty() ? QStringLiteral("none") : out.join(QLatin1Char(','));
}

unsigned familiesFromEnv()
{
    if (!qEnvironmentVariableIsSet("LIAISON_FAULTS"))
        return kCiFamilies;
    unsigned f = kCiFamilies;
    for (QString part : qEnvironmentVariable("LIAISON_FAULTS").split(QLatin1Char(','))) {
        part = part.trimmed();
        const bool minus = part.startsWith(QLatin1Char('-'));
        if (minus)
            part = part.mid(1);
        unsigned bits = 0;
        if (part == QLatin1StringView("all"))
            bits = kAllFamilies;
        else if (part == QLatin1StringView("none"))
            f = 0;
        for (const auto &[name, bit] : kFamilyNames) {
            if (part == QLatin1StringView(name))
                bits = bit;
        }
        if (bits == 0 && part != QLatin1StringView("none") && !part.isEmpty())
            qFatal("LIAISON_FAULTS: unknown family %s", qPrintable(part));
        f = minus ? (f & ~bits) : (f | bits);
    }
    return f;
}

// ---- seeded identities ----

// Deterministic 32 bytes from the seed's generator.
QByteArray seededBytes(std::mt19937_64 &rng, int n)
{
    QByteArray out(n, Qt::Uninitialized);
    for (int i = 0; i < n; ++i)
        out[i] = char(rng() & 0xff);
    return out;
}

template <typename T> T seededFixed(std::mt19937_64 &rng)
{
    return *T::fromBytes(seededBytes(rng, int(T::size)));
}

class SeededIdentity final : public LocalIdentity
{
public:
    SeededIdentity(Role role, const Id16 &deployment, std::mt19937_64 &rng)
        : m_role(role)
        , m_deployment(deployment)
        , m_id(seededFixed<Id16>(rng))
    {
        m_sign =
            *crypto::crypto_sign_seed_keypair(crypto::SecretBytes::copyOf(seededBytes(rng, 32)));
        m_box.emplace(1, crypto::crypto_box_keypair_from_secret(crypto::BoxSecretKey(
                             crypto::SecretBytes::copyOf(seededBytes(rng, 32)))));
    }
    Role role() const override { return m_role; }
    Id16 deploymentId() const override { return m_deployment; }
    Id16 localId() const override { return m_id; }
    const crypto::SignSecretKey &signingKey() const override { return m_sign.secretKey; }
    const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        auto it = m_box.find(keyId);
        return it == m_box.end() ? nullptr : &it->second;
    }
    Peer asPeer() const
    {
        Peer p;
        p.id = m_id;
        p.signKey = m_sign.publicKey;
        p.boxKey = m_box.at(1).publicKey;
        p.boxKeyId = 1;
        p.signKeyHash = crypto::crypto_generichash(m_sign.publicKey.view());
        return p;
    }

private:
    Role m_role;
    Id16 m_deployment;
    Id16 m_id;
    crypto::SignKeyPair m_sign;
    std::map<std::uint32_t, crypto::BoxKeyPair> m_box;
};

// ---- time ----

// True time of the simulated world; every node reads it through its own clock.
struct World
{
    qint64 trueMs = 1'780'000'000'000;
};

// One node's clocks (liaison::Clock): wall = true time + skew (the officer or NTP moves it);
// boot time (CLOCK_BOOTTIME) runs with true time since the node booted, so it survives a process
// crash; online time moves only while the node is connected.
class NodeClock final : public Clock
{
public:
    explicit NodeClock(const World &w)
        : m_world(w)
    {}
    qint64 wallMs() const override { return m_world.trueMs + skewMs; }
    qint64 bootMs() const override { return m_world.trueMs - bootAtTrueMs + 1000; }
    QByteArray bootId() const override { return "boot-" + QByteArray::number(bootNo); }
    qint64 onlineMs() const override { return online; }
    qint64 nowMs() const { return wallMs(); }

    qint64 skewMs = 0;
    qint64 bootAtTrueMs = 0;
    int bootNo = 0;
    qint64 online = 0;

private:
    const World &m_world;
};

// ---- the nodes ----

std::unique_ptr<store::Database> openStore(const QString &path, const QByteArray &key,
                                           std::vector<store::Migration> migrations)
{
    store::OpenOptions o;
    o.create = true;
    o.synchronousFull = false;
    o.migrations = std::move(migrations);
    auto db = store::Database::open(path, crypto::SecretBytes::copyOf(key), o);
    if (!db)
        return nullptr;
    return std::move(*db);
}

template <typename V> void append(std::vector<V> &to, std::vector<V> from)
{
    for (auto &m : from)
        to.push_back(std::move(m));
}

struct Hq
{
    SeededIdentity me;
    QString path;
    QByteArray dbKey;
    NodeClock clock;
    qsizetype resyncPartBytes = 512 * 1024;
    qsizetype maxPayloadBytes = hq::HqFanout::kDefaultMaxPayloadBytes;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<model::RecordStore> records;
    std::unique_ptr<hq::DeviceRegistry> registry;
    std::unique_ptr<hq::HqFanout> fanout;
    std::unique_ptr<hq::HqApplier> applier;
    std::unique_ptr<StreamOutbox> outbox;
    std::unique_ptr<Receiver> receiver;
    std::function<model::RecordId()> ids; // the run's seeded id source

    Hq(const Id16 &deployment, std::mt19937_64 &rng, const World &w)
        : me(Role::Hq, deployment, rng)
        , dbKey(seededBytes(rng, 32))
        , clock(w)
    {}

    void close()
    {
        receiver.reset();
        outbox.reset();
        applier.reset();
        fanout.reset();
        registry.reset();
        records.reset();
        db.reset(); // an open transaction is rolled back, as after kill -9
    }

    QString open()
    {
        std::vector<store::Migration> m = model::RecordStore::migrations();
        append(m, streamMigrations());
        append(m, hq::DeviceRegistry::migrations());
        m.push_back(streamLaneMigration());
        db = openStore(path, dbKey, std::move(m));
        CHECK(db, "open HQ store");
        records =
            std::make_unique<model::RecordStore>(*db, clock, me.localId(), model::ReplicaRole::Hq);
        records->setIdSource(ids);
        CHECK_OK(records->open(), "HQ records");
        registry = std::make_unique<hq::DeviceRegistry>(*db);
        CHECK_OK(registry->open(), "HQ registry");
        fanout = std::make_unique<hq::HqFanout>(*records, *registry);
        fanout->setMaxPayloadBytes(maxPayloadBytes);
        applier = std::make_unique<hq::HqApplier>(*fanout);
        outbox = std::make_unique<StreamOutbox>(*db, me, *registry, clock);
        receiver = std::make_unique<Receiver>(*db, me, *registry, *applier, *outbox, clock);
        receiver->setResyncSource(applier.get());
        receiver->setResyncPartBytes(resyncPartBytes);
        return {};
    }

    QString publish()
    {
        CHECK_OK(db->begin(), "begin");
        auto r = fanout->publishLocalEdits();
        if (!r) {
            db->rollback();
            return QStringLiteral("publish: %1").arg(r.error().message);
        }
        if (auto s = hq::HqFanout::enqueue(*outbox, r->messages); !s) {
            db->rollback();
            return QStringLiteral("publish enqueue: %1").arg(s.error().message);
        }
        CHECK_OK(db->commit(), "commit");
        return {};
    }
};

struct Device
{
    SeededIdentity me;
    int index = 0;
    QString path;
    QByteArray dbKey;
    NodeClock clock;
    Peer hqPeer;
    Directory peers;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<model::RecordStore> records;
    std::unique_ptr<model::DeviceApplier> applier;
    std::unique_ptr<StreamOutbox> outbox;
    std::unique_ptr<Receiver> receiver;
    QList<Command> wipes;
    bool online = true;
    bool revoked = false;
    EpochHead revokedAt;                  // HQ's `down` head to this device when it was revoked
    std::function<model::RecordId()> ids; // the run's seeded id source

    Device(const Id16 &deployment, std::mt19937_64 &rng, const World &w)
        : me(Role::Device, deployment, rng)
        , dbKey(seededBytes(rng, 32))
        , clock(w)
    {}

    void close()
    {
        receiver.reset();
        outbox.reset();
        applier.reset();
        records.reset();
        db.reset();
    }

    QString open()
    {
        peers = Directory();
        peers.add(hqPeer);
        std::vector<store::Migration> m = model::RecordStore::migrations();
        append(m, streamMigrations());
        m.push_back(streamLaneMigration());
        db = openStore(path, dbKey, std::move(m));
        CHECK(db, "open device store");
        records = std::make_unique<model::RecordStore>(*db, clock, me.localId(),
                                                       model::ReplicaRole::Device);
        records->setIdSource(ids);
        CHECK_OK(records->open(), "device records");
        applier = std::make_unique<model::DeviceApplier>(*records);
        outbox = std::make_unique<StreamOutbox>(*db, me, peers, clock);
        receiver = std::make_unique<Receiver>(*db, me, peers, *applier, *outbox, clock);
        receiver->setWipeHandler([this](const Command &c) { wipes.append(c); });
        return {};
    }
};

// An envelope at the relay.
struct Letter
{
    QByteArray bytes;
    Id16 to;
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    Kind kind = Kind::Delta;
    int releaseRound = 0;     // held back until this round
    bool fromRevoked = false; // posted by a revoked device (an attacker may hold its keys)
    Id16 from;                // the sender (HQ or a device)
};

// A local operation and who made it, for the durability oracle.
struct Written
{
    int author = -1; // device index, -1 for HQ
    model::Operation op;
    int round = 0;
};

const QStringList kScopes{QStringLiteral("post:vienna"), QStringLiteral("post:rome"),
                          QStringLiteral("visit:2026-brussels"), QStringLiteral("post:madrid")};

constexpr int kDevices = 5;
constexpr qsizetype kDefaultPushBytes = 48 * 1024; // DeviceApplier::pushLocalEdits's default
constexpr qint64 kHour = 3600 * 1000;

class Star
{
public:
    Star(std::uint64_t seed, unsigned families)
        : m_seed(seed)
        , m_families(families)
        , m_rng(seed)
        , m_deployment(seededFixed<Id16>(m_rng))
        , m_hq(m_deployment, m_rng, m_world)
        , m_ids(seed)
    {
        m_hq.ids = m_ids.source();
        for (int i = 0; i < kDevices; ++i) {
            m_devices.push_back(std::make_unique<Device>(m_deployment, m_rng, m_world));
            m_devices.back()->index = i;
            m_devices.back()->ids = m_ids.source();
        }
    }

    bool on(Family f) const { return (m_families & f) != 0; }
    bool anyOn(unsigned f) const { return (m_families & f) != 0; }

    bool revokedNow(const Id16 &sender) const
    {
        for (const auto &d : m_devices)
            if (d->revoked && d->me.localId() == sender)
                return true;
        return false;
    }

    QString run(int actions)
    {
        CHECK(m_dir.isValid(), "temp dir");
        if (on(Multipart)) {
            m_hq.resyncPartBytes = 300 + pick(900);
            m_hq.maxPayloadBytes = 300 + pick(900);
        }
        if (on(Clocks)) {
            m_hq.clock.skewMs = skew();
            for (auto &d : m_devices)
                d->clock.skewMs = skew();
        }
        m_hq.path = m_dir.filePath(QStringLiteral("hq.db"));
        TRY(m_hq.open());
        for (auto &d : m_devices) {
            d->path = m_dir.filePath(QStringLiteral("dev-%1.db").arg(d->index));
            d->hqPeer = m_hq.me.asPeer();
            d->clock.bootAtTrueMs = m_world.trueMs - qint64(pick(1000000));
            TRY(d->open());
            TRACE("dev %d is %s\n", d->index, shortHex(d->me.localId()).constData());
            TRY(enrol(*d));
        }
        TRY(settle());
        m_phase = QStringLiteral("run");

        for (m_round = 0; m_round < actions; ++m_round) {
            TRY(passTime());
            TRY(act());
        }
        m_phase = QStringLiteral("settle");
        TRY(settle());
        m_phase = QStringLiteral("verify");
        return verify();
    }

    QString where() const { return QStringLiteral("%1 round %2").arg(m_phase).arg(m_round); }

    // The run's fingerprint: every step it took (the journal: writes with their ids and stamps,
    // each letter's fate, crashes, clock jumps), every write, and each node's final records and
    // `down` stream heads. Envelope bytes are left out (their nonces stay random); everything
    // else comes from the seed, so two runs of one seed give the same digest.
    QByteArray digest()
    {
        QCryptographicHash h(QCryptographicHash::Sha256);
        h.addData(m_journal.result());
        for (const Written &w : m_written) {
            h.addData(QByteArray::number(w.author) + ' ' + QByteArray::number(w.round) + ' ');
            h.addData(QCborValue(w.op.toCbor()).toCbor());
        }
        if (m_hq.records) {
            if (auto d = dump(*m_hq.records, kScopes))
                h.addData(*d);
        }
        for (auto &d : m_devices) {
            if (!d->records)
                continue;
            if (auto mine = dump(*d->records, d->records->scopes()))
                h.addData(*mine);
            if (m_hq.outbox) {
                if (auto head = m_hq.outbox->head(d->me.localId()))
                    h.addData(QByteArray::number(head->epoch) + ' ' +
                              QByteArray::number(qulonglong(head->seq)) + '\n');
            }
        }
        return h.result().toHex();
    }

private:
    void note(const char *format, ...) __attribute__((format(printf, 2, 3)))
    {
        char line[1024];
        va_list args;
        va_start(args, format);
        const int n = std::vsnprintf(line, sizeof line, format, args);
        va_end(args);
        if (n <= 0)
            return;
        m_journal.addData(QByteArrayView(line, std::min<qsizetype>(n, sizeof line - 1)));
        if (tracing())
            std::fputs(line, stderr);
    }

    std::uint32_t pick(std::uint32_t n) { return n == 0 ? 0 : std::uint32_t(m_rng() % n); }
    bool chance(int oneIn) { return pick(std::uint32_t(oneIn)) == 0; }
    qint64 skew() { return qint64(pick(2 * kHour + 1)) - kHour; }

    Device &someDevice() { return *m_devices[pick(kDevices)]; }
    Id16 hqId() const { return m_hq.me.localId(); }

    // ---- time ----

    void advance(qint64 ms, bool onlineToo)
    {
        m_world.trueMs += ms;
        if (onlineToo) {
            m_hq.clock.online += ms;
            for (auto &d : m_devices)
                d->clock.online += ms;
        }
    }

    QString passTime()
    {
        advance(500 + pick(5000), true);
        if (on(Clocks) && chance(25)) {
            // A clock jump on one node (HQ too): the officer, or NTP, sets it.
            NodeClock &c = chance(6) ? m_hq.clock : someDevice().clock;
            c.skewMs = skew();
            TRACE("clock jump to %lld s\n", static_cast<long long>(c.skewMs / 1000));
        }
        if (chance(40)) {
            // A long pause: wall time passes while everyone is offline (a night), or, with a
            // hostile relay, online, so the gap and withholding timers fire. An honest relay
            // holds nothing back across it: it hands over what it has before and after.
            TRY(exchange(anyOn(HostileRelay)));
            const qint64 ms = 10 * 60 * 1000 + qint64(pick(std::uint32_t(2 * kHour)));
            advance(ms, anyOn(HostileRelay));
            TRACE("pause %lld min\n", static_cast<long long>(ms / 60000));
            TRY(exchange(anyOn(HostileRelay)));
        }
        return {};
    }

    // ---- crash and restart ----

    QString restartDevice(Device &d)
    {
        TRACE("crash dev %d\n", d.index);
        d.close();
        return d.open();
    }

    QString restartHq()
    {
        TRACE("crash HQ\n");
        m_hq.close();
        return m_hq.open();
    }

    // ---- enrolment and membership ----

    QString enrol(Device &d)
    {
        hq::DeviceRecord rec;
        rec.id = d.me.localId();
        const Peer p = d.me.asPeer();
        rec.signKey = p.signKey;
        rec.boxKey = p.boxKey;
        rec.boxKeyId = p.boxKeyId;
        rec.state = PeerState::Pending;
        rec.label = QStringLiteral("officer %1").arg(d.index);
        CHECK_OK(m_hq.registry->addDevice(rec), "add device");
        bool any = false;
        for (const QString &scope : kScopes) {
            if (chance(2) || (!any && scope == kScopes.back())) {
                any = true;
                CHECK_OK(m_hq.fanout->addMember(*m_hq.outbox, rec.id, scope), "add member");
            }
        }
        CHECK_OK(m_hq.registry->setState(rec.id, PeerState::Active), "activate");
        CHECK_OK(m_hq.receiver->sendResync(rec.id), "first RESYNC");
        return {};
    }

    QString membership()
    {
        Device &d = someDevice();
        if (d.revoked)
            return {};
        const QString scope = kScopes[qsizetype(pick(std::uint32_t(kScopes.size())))];
        auto isMember = m_hq.registry->isMember(d.me.localId(), scope);
        CHECK_OK(isMember, "isMember");
        TRACE("HQ %s dev %d %s\n", *isMember ? "removes" : "adds", d.index, qPrintable(scope));
        const Id16 id = d.me.localId();
        const auto change = [&] {
            // The registry change and its SCOPE_LEAVE / SCOPE_JOIN in one transaction.
            return *isMember ? m_hq.fanout->removeMember(*m_hq.outbox, id, scope)
                             : m_hq.fanout->addMember(*m_hq.outbox, id, scope);
        };
        if (on(Crash) && chance(8)) {
            // Killed before the transaction around it commits: nothing of the change may survive.
            CHECK_OK(m_hq.db->begin(), "begin");
            CHECK_OK(change(), "membership");
            return restartHq();
        }
        CHECK_OK(change(), "membership");
        return {};
    }

    QString revoke()
    {
        int active = 0;
        for (auto &d : m_devices)
            active += d->revoked ? 0 : 1;
        if (active <= 3)
            return {};
        Device &d = someDevice();
        if (d.revoked)
            return {};
        TRACE("HQ revokes dev %d\n", d.index);
        const Id16 id = d.me.localId();
        // What HQ had already accepted from this device stays accepted; what had not reached HQ
        // is cut off with it.
        TRY(markReached(d.index));
        auto head = m_hq.outbox->head(id);
        CHECK_OK(head, "head");
        CHECK_OK(m_hq.db->begin(), "begin");
        auto undo = [&] {
            m_hq.db->rollback();
        };
        if (auto s = m_hq.registry->setState(id, PeerState::WipeOnly); !s) {
            undo();
            return QStringLiteral("revoke: ") + s.error().message;
        }
        Command c;
        c.commandId = seededFixed<Id16>(m_rng);
        c.target = id;
        c.targetSignKeyHash = d.me.asPeer().signKeyHash;
        c.issuedAtMs = m_hq.clock.nowMs();
        c.notAfterMs = m_hq.clock.nowMs() + 24 * kHour;
        if (auto q = m_hq.outbox->enqueue(id, Kind::Command, c.toCbor()); !q) {
            undo();
            return QStringLiteral("WIPE: ") + q.error().message;
        }
        CHECK_OK(m_hq.db->commit(), "commit");
        d.revoked = true;
        d.revokedAt = *head;
        return {};
    }

    // A revoked device whose keys an attacker holds: it posts, on its `up` stream, what makes
    // HQ's receiver ask for a RESYNC (review protocol.md H1): an envelope far ahead, one after a
    // gap (the gap timer does the rest), or a second envelope for a seq HQ already has (a fork).
    QString attack(Device &d)
    {
        auto head = d.outbox->head(hqId());
        CHECK_OK(head, "up head");
        if (head->epoch == 0)
            return {};
        codec::SealInput in;
        in.deployment = m_deployment;
        in.sender = d.me.localId();
        in.recipient = hqId();
        in.epoch = head->epoch;
        in.recipientBoxKeyId = d.hqPeer.boxKeyId;
        in.recipientBoxKey = d.hqPeer.boxKey;
        in.senderKey = &d.me.signingKey();
        in.direction = Direction::Up;
        in.kind = Kind::Delta;
        in.createdMs = d.clock.nowMs();
        in.payload = protocol::DeltaPayload{}.toCbor();
        const char *what = "";
        switch (pick(3)) {
        case 0:
            in.seq = head->seq + kParkWindow + 1 + pick(100);
            in.prev = seededFixed<Hash32>(m_rng);
            what = "far ahead";
            break;
        case 1:
            in.seq = head->seq + 2;
            in.prev = seededFixed<Hash32>(m_rng);
            what = "after a gap";
            break;
        default:
            if (head->seq < 2)
                return {};
            in.seq = head->seq;
            in.prev = seededFixed<Hash32>(m_rng);
            what = "fork";
            break;
        }
        auto sealed = codec::seal(in);
        CHECK_OK(sealed, "craft");
        TRACE("revoked dev %d posts %s (e%u s%llu)\n", d.index, what, in.epoch,
              static_cast<unsigned long long>(in.seq));
        m_mailbox[hqId()].append(
            Letter{sealed->bytes, hqId(), in.epoch, in.seq, Kind::Delta, 0, true});
        return {};
    }

    // A device pushes its change log. Operations HQ refused for their clock are re-stamped and
    // re-issued inside it (RecordStore::reissueHeld): the officer's write is the same, only its
    // stamp changed, so the oracle follows it to its new stamp (I2 then looks for that one).
    Result<int> push(Device &d, qsizetype maxPayloadBytes)
    {
        // The re-issue is done here, before the push (which would do it itself), so each held
        // operation can be paired with the change-log entry that carries it again: held
        // entries go in id order, their new entries in change-log order.
        auto before = d.records->heldOperations();
        if (!before)
            return std::unexpected(before.error());
        auto logBefore = d.records->pendingOutbox(std::numeric_limits<int>::max());
        if (!logBefore)
            return std::unexpected(logBefore.error());
        const qint64 lastSeq = logBefore->isEmpty() ? 0 : logBefore->last().seq;
        auto again = d.records->reissueHeld();
        if (!again)
            return std::unexpected(again.error());
        if (*again > 0) {
            auto after = d.records->heldOperations();
            auto logAfter = d.records->pendingOutbox(std::numeric_limits<int>::max());
            if (!after || !logAfter)
                return fail(Errc::Internal, QStringLiteral("checker: held or change log"));
            QList<model::Operation> reissued;
            for (const model::OutboxEntry &e : *logAfter) {
                if (e.seq > lastSeq)
                    reissued.append(e.op);
            }
            QList<model::HeldOperation> gone;
            for (const model::HeldOperation &h : *before) {
                if (h.willRetry && std::none_of(after->cbegin(), after->cend(),
                                                [&](const auto &a) { return a.id == h.id; }))
                    gone.append(h);
            }
            if (gone.size() != reissued.size())
                return fail(Errc::Internal, QStringLiteral("checker: %1 held re-issued, %2 new "
                                                           "change-log entries")
                                                .arg(gone.size())
                                                .arg(reissued.size()));
            for (qsizetype k = 0; k < gone.size(); ++k) {
                const model::Operation &was = gone[k].op;
                const model::Operation &now = reissued[k];
                for (std::size_t i = 0; i < m_written.size(); ++i) {
                    const Written &w = m_written[i];
                    if (w.author == d.index && w.op.recordId == was.recordId &&
                        w.op.stamp == was.stamp)
                        m_superseded.insert(i);
                }
                TRACE("dev %d re-issues a held write of %s, stamp %s -> %s\n", d.index,
                      shortHex(was.recordId).constData(), qPrintable(was.stamp.toString()),
                      qPrintable(now.stamp.toString()));
                logWrite(d.index, now);
            }
        }
        return d.applier->pushLocalEdits(*d.outbox, hqId(), maxPayloadBytes);
    }

    // ---- edits ----

    // The records this replica can see of the given types, in the order the checker created
    // them.
    std::optional<model::RecordId> someRecord(model::RecordStore &rs,
                                              std::initializer_list<model::RecordType> types,
                                              std::optional<Id16> ownedBy = std::nullopt)
    {
        QList<model::RecordId> ids;
        for (const model::RecordId &id : m_created) {
            auto st = rs.record(id);
            if (!st || !*st || (*st)->deleted)
                continue;
            if (std::find(types.begin(), types.end(), (*st)->type) == types.end())
                continue;
            if (ownedBy && (*st)->owner != ownedBy)
                continue;
            ids.append(id);
        }
        if (ids.isEmpty())
            return std::nullopt;
        return ids[qsizetype(pick(std::uint32_t(ids.size())))];
    }

    QString text(const char *prefix)
    {
        return QStringLiteral("%1%2").arg(QLatin1StringView(prefix)).arg(m_rng() % 100000);
    }

    void logWrite(int author, const model::Operation &op)
    {
        TRACE("%s %d writes %s %s stamp %s\n", author < 0 ? "hq" : "dev", author,
              shortHex(op.recordId).constData(),
              op.tombstone ? "delete" : qPrintable(QStringList(op.fields.keys()).join(u'+')),
              qPrintable(op.stamp.toString()));
        m_written.push_back({author, op, m_round});
        if (!op.tombstone &&
            std::find(m_created.begin(), m_created.end(), op.recordId) == m_created.end())
            m_created.append(op.recordId);
    }

    QString deviceEdit(Device &d)
    {
        const QStringList held = d.records->scopes();
        if (held.isEmpty())
            return {};
        const QString scope = held[qsizetype(pick(std::uint32_t(held.size())))];
        const Id16 self = d.me.localId();
        model::RecordStore &rs = *d.records;
        switch (pick(9)) {
        case 0:
        case 1: {
            model::FieldMap f;
            f.insert(QStringLiteral("name"), text("c"));
            f.insert(QStringLiteral("country"), QStringLiteral("AT"));
            auto r = rs.create(model::RecordType::Contact, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device create");
            logWrite(d.index, *r);
            break;
        }
        case 2:
        case 3: {
            auto id = someRecord(rs, {model::RecordType::Contact});
            if (!id)
                break;
            model::FieldMap f;
            f.insert(QStringLiteral("notes"), text("n"));
            if (chance(2))
                f.insert(QStringLiteral("name"), text("d"));
            auto r = rs.update(*id, f);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device update");
            if (*r)
                logWrite(d.index, **r);
            break;
        }
        case 4: {
            auto id = someRecord(rs, {model::RecordType::Contact});
            if (!id)
                break;
            auto r = rs.remove(*id);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device delete");
            logWrite(d.index, *r);
            break;
        }
        case 5: {
            model::FieldMap f;
            f.insert(QStringLiteral("text"), text("report "));
            f.insert(QStringLiteral("time"), qint64(d.clock.wallMs()));
            auto r = rs.create(model::RecordType::FieldReport, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device report");
            logWrite(d.index, *r);
            break;
        }
        case 6: {
            auto id = someRecord(rs, {model::RecordType::FieldReport}, self);
            if (!id)
                break;
            model::FieldMap f;
            f.insert(QStringLiteral("text"), text("amended "));
            auto r = rs.update(*id, f);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device report update");
            if (*r)
                logWrite(d.index, **r);
            break;
        }
        case 7: {
            auto id =
                someRecord(rs, {model::RecordType::FieldReport, model::RecordType::CheckIn}, self);
            if (!id)
                break;
            auto r = rs.remove(*id);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device report delete");
            logWrite(d.index, *r);
            break;
        }
        default: {
            model::FieldMap f;
            f.insert(QStringLiteral("time"), qint64(d.clock.wallMs()));
            auto r = rs.create(model::RecordType::CheckIn, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the officer: nothing was written
            CHECK_OK(r, "device check-in");
            logWrite(d.index, *r);
            break;
        }
        }
        return {};
    }

    // The desk decides deletions of shared contacts HQ holds (issue 8 point 9): accepted when
    // the held id is even, refused when odd (no draw from the seed's generator); all of them, or
    // (during the run) the oldest.
    QString deskDecides(bool all)
    {
        auto held = m_hq.fanout->heldDeletes();
        CHECK_OK(held, "held deletions");
        for (const hq::HeldDelete &h : *held) {
            const bool accept = h.id % 2 == 0;
            TRACE("desk %s held deletion %lld of %s by %s\n", accept ? "accepts" : "refuses", h.id,
                  shortHex(h.record).constData(), shortHex(h.device).constData());
            auto r = accept ? m_hq.fanout->acceptHeldDelete(*m_hq.outbox, h.id)
                            : m_hq.fanout->refuseHeldDelete(*m_hq.outbox, h.id);
            // NotFound: settled with an accepted deletion of the same record just before.
            if (!r && r.error().code != Errc::NotFound)
                CHECK_OK(r, "desk decision");
            if (!all)
                break;
        }
        return {};
    }

    QString hqEdit()
    {
        TRY(deskDecides(false));
        model::RecordStore &rs = *m_hq.records;
        const QString scope = kScopes[qsizetype(pick(std::uint32_t(kScopes.size())))];
        std::optional<model::Operation> op;
        switch (pick(8)) {
        case 0:
        case 1: {
            model::FieldMap f;
            f.insert(QStringLiteral("name"), text("h"));
            f.insert(QStringLiteral("country"), QStringLiteral("IT"));
            auto r = rs.create(model::RecordType::Contact, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // HQ's clock far ahead of the relay's (review M9): refused loudly
            CHECK_OK(r, "HQ create");
            op = *r;
            break;
        }
        case 2: {
            model::FieldMap f;
            f.insert(QStringLiteral("title"), text("case "));
            f.insert(QStringLiteral("priority"), qint64(pick(6)));
            auto r = rs.create(model::RecordType::CaseSummary, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // HQ's clock far ahead of the relay's (review M9): refused loudly
            CHECK_OK(r, "HQ case");
            op = *r;
            break;
        }
        case 3: {
            model::FieldMap f;
            f.insert(QStringLiteral("title"), text("instruction "));
            f.insert(QStringLiteral("body"), text("do "));
            auto r = rs.create(model::RecordType::Instruction, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // HQ's clock far ahead of the relay's (review M9): refused loudly
            CHECK_OK(r, "HQ instruction");
            op = *r;
            break;
        }
        case 4: {
            model::FieldMap f;
            f.insert(QStringLiteral("title"), text("meeting "));
            f.insert(QStringLiteral("venue"), text("room "));
            auto r = rs.create(model::RecordType::ScheduleItem, scope, f);
            if (!r && r.error().code == Errc::Refused)
                break; // HQ's clock far ahead of the relay's (review M9): refused loudly
            CHECK_OK(r, "HQ schedule");
            op = *r;
            break;
        }
        case 5:
        case 6: {
            auto id =
                someRecord(rs, {model::RecordType::Contact, model::RecordType::CaseSummary,
                                model::RecordType::Instruction, model::RecordType::ScheduleItem});
            if (!id)
                break;
            auto h = rs.record(*id);
            CHECK_OK(h, "HQ read");
            model::FieldMap f;
            switch ((*h)->type) {
            case model::RecordType::Contact:
                f.insert(QStringLiteral("notes"), text("hq"));
                break;
            case model::RecordType::CaseSummary:
                f.insert(QStringLiteral("summary"), text("sum"));
                break;
            case model::RecordType::Instruction:
                f.insert(QStringLiteral("body"), text("now "));
                break;
            default:
                f.insert(QStringLiteral("venue"), text("hall "));
                break;
            }
            auto r = rs.update(*id, f);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the desk (HQ's clock went back below the record's
                       // stamps, review M9): nothing was written
            CHECK_OK(r, "HQ update");
            if (*r)
                op = **r;
            break;
        }
        default: {
            auto id =
                someRecord(rs, {model::RecordType::Contact, model::RecordType::CaseSummary,
                                model::RecordType::Instruction, model::RecordType::ScheduleItem});
            if (!id)
                break;
            auto r = rs.remove(*id);
            if (!r && r.error().code == Errc::Refused)
                break; // refused loudly to the desk, as above
            CHECK_OK(r, "HQ delete");
            op = *r;
            break;
        }
        }
        if (op)
            logWrite(-1, *op);
        return {};
    }

    QString act()
    {
        const std::uint32_t what = pick(100);
        if (what < 28)
            return deviceEdit(someDevice());
        if (what < 44)
            return hqEdit();
        if (what < 50)
            return on(Members) ? membership() : QString();
        if (what < 51)
            return on(Revoke) ? revoke() : QString();
        if (what < 53) {
            Device &d = someDevice();
            if (d.revoked)
                return {};
            CHECK_OK(m_hq.receiver->sendResync(d.me.localId()), "random RESYNC");
            TRACE("HQ RESYNC to dev %d\n", d.index);
            return {};
        }
        if (what < 55) {
            // A device asks for a RESYNC (the officer's "sync everything again", or a stolen
            // phone after revocation trying to pull the records once more).
            Device &d = someDevice();
            if (!d.revoked && !chance(4))
                return {};
            if (d.revoked && !chance(3))
                return attack(d);
            auto st = d.receiver->state(hqId());
            CHECK_OK(st, "state");
            if (!*st)
                return {};
            protocol::ResyncRequestPayload rq;
            rq.reason = protocol::ResyncRequestPayload::Reason::Other;
            rq.downApplied.epoch = (*st)->stream.epoch;
            rq.downApplied.seq = (*st)->applied.seq;
            rq.downApplied.envHash = (*st)->applied.envHash;
            CHECK_OK(d.outbox->enqueue(hqId(), Kind::ResyncRequest, rq.toCbor()), "RESYNC_REQUEST");
            TRACE("dev %d asks for RESYNC\n", d.index);
            return {};
        }
        if (what < 68) {
            Device &d = someDevice();
            auto pushed = push(d, 600 + pick(4000));
            CHECK_OK(pushed, "device push");
            TRACE("dev %d pushes %d ops\n", d.index, *pushed);
            return {};
        }
        if (what < 73)
            return m_hq.publish();
        if (what < 75) {
            for (auto &d : m_devices)
                CHECK_OK(d->receiver->tick(), "device tick");
            CHECK_OK(m_hq.receiver->tick(), "HQ tick");
            return {};
        }
        if (what < 78) {
            if (!on(Crash))
                return {};
            if (chance(4))
                return restartHq();
            Device &d = someDevice();
            if (chance(3)) {
                // Killed while pushing: the envelope sealed, the change log not yet trimmed.
                CHECK_OK(d.db->begin(), "begin");
                auto pushed = d.applier->pushLocalEdits(*d.outbox, hqId());
                CHECK_OK(pushed, "push before crash");
            }
            return restartDevice(d);
        }
        return exchange(true);
    }

    // ---- the relay ----

    QString post(StreamOutbox &outbox, const Id16 &to, bool faults, Device *revokedTarget,
                 bool fromRevoked = false)
    {
        auto pending = outbox.pending(to, 1000);
        CHECK_OK(pending, "pending");
        for (const QueuedEnvelope &q : *pending) {
            if (faults && chance(5))
                break; // the post fails; this and later ones are retried next time
            if (revokedTarget) {
                const EpochHead &at = revokedTarget->revokedAt;
                const bool after =
                    q.stream.epoch > at.epoch || (q.stream.epoch == at.epoch && q.seq > at.seq);
                // I3: after revocation only the WIPE (and SCOPE_LEAVE, which carries nothing)
                if (after && q.kind != Kind::Command && q.kind != Kind::ScopeLeave) {
                    return QStringLiteral("I3: revoked device %1 was sent %2 (epoch %3 seq %4) "
                                          "sealed after its revocation")
                        .arg(revokedTarget->index)
                        .arg(QLatin1StringView(protocol::kindName(q.kind)))
                        .arg(q.stream.epoch)
                        .arg(q.seq);
                }
            }
            CHECK_OK(outbox.markDelivered(to, q.stream.epoch, q.seq), "mark delivered");
            Letter l{q.bytes, to,      q.stream.epoch, q.seq,
                     q.kind,  m_round, fromRevoked,    q.stream.sender};
            m_archive.push_back(l);
            // LIAISON_RELAY_DOWN_ONLY=1: withhold and drop only HQ's `down` envelopes.
            static const bool downOnly =
                qEnvironmentVariableIntValue("LIAISON_RELAY_DOWN_ONLY") == 1;
            if (faults && (!downOnly || &outbox == m_hq.outbox.get())) {
                if (on(Drop) && chance(30)) {
                    TRACE("relay drops %s e%u s%llu\n", protocol::kindName(q.kind), l.epoch,
                          static_cast<unsigned long long>(l.seq));
                    continue; // dropped for good
                }
                auto w = m_withhold.find(to);
                if (on(Withhold) && w != m_withhold.end()) {
                    if (l.epoch <= w->second)
                        continue; // withheld until a new epoch (a RESYNC) starts
                    m_withhold.erase(w);
                }
                if (on(Withhold) && chance(40))
                    m_withhold[to] = l.epoch;
                if (on(Truncate) && l.seq >= 2 &&
                    (q.kind == Kind::Resync || q.kind == Kind::ScopeJoin) && chance(3)) {
                    TRACE("relay truncates %s part at s%llu\n", protocol::kindName(q.kind),
                          static_cast<unsigned long long>(l.seq));
                    continue; // a multi-part snapshot truncated
                }
                if (on(Delay) && chance(6))
                    l.releaseRound = m_round + 5 + int(pick(60)); // long delay
            }
            m_mailbox[to].append(l);
            if (faults && chance(8))
                m_mailbox[to].append(l);
        }
        return {};
    }

    QString fetch(Receiver &receiver, const Id16 &me, bool faults)
    {
        QList<Letter> box = m_mailbox[me];
        m_mailbox[me].clear();
        if (faults)
            std::shuffle(box.begin(), box.end(), m_rng);
        if (faults && on(Replay) && !m_archive.empty() && chance(5)) {
            // Replay an old envelope to this recipient (old epochs included).
            std::vector<const Letter *> mine;
            for (const Letter &l : m_archive) {
                if (l.to == me)
                    mine.push_back(&l);
            }
            if (!mine.empty()) {
                Letter old = *mine[pick(std::uint32_t(mine.size()))];
                old.releaseRound = 0;
                box.append(old);
            }
        }
        QList<Letter> keep;
        for (const Letter &l : box) {
            if (faults && (l.releaseRound > m_round || chance(6))) {
                keep.append(l);
                continue;
            }
            auto r = receiver.receive(l.bytes);
            CHECK_OK(r, "receive");
            TRACE("  %s <- e%u s%llu %s %s %s\n", shortHex(me).constData(), l.epoch,
                  static_cast<unsigned long long>(l.seq), protocol::kindName(l.kind),
                  dispositionName(r->disposition), qPrintable(r->reason));
            // A letter counts as the revoked device's when its sender is revoked by the time it
            // arrives: one it sealed before its revocation and the relay held back meets the
            // stream HQ froze on the fork an attacker posted with its keys (soak seed 318).
            if ((!faults || !anyOn(HostileRelay)) && !l.fromRevoked && !revokedNow(l.from)) {
                // An honest relay: no fork, sender fault or freeze may ever happen.
                CHECK(r->disposition != Disposition::Forked &&
                          r->disposition != Disposition::SenderFault &&
                          r->disposition != Disposition::Frozen,
                      QStringLiteral("unexpected %1: %2")
                          .arg(QLatin1StringView(dispositionName(r->disposition)), r->reason));
            }
            if (!r->acknowledge || (faults && chance(10)))
                keep.append(l);
        }
        m_mailbox[me].append(keep);
        return {};
    }

    QString exchange(bool faults)
    {
        // HQ's transport confirms HQ's time with the relay's clock (true time here).
        CHECK_OK(m_hq.records->setReference(m_world.trueMs), "relay time");
        for (auto &d : m_devices) {
            TRY(post(*m_hq.outbox, d->me.localId(), faults, d->revoked ? d.get() : nullptr));
            TRY(post(*d->outbox, hqId(), faults, nullptr, d->revoked));
        }
        for (auto &d : m_devices) {
            d->online = !(faults && chance(3));
            if (!d->online)
                continue;
            TRY(fetch(*d->receiver, d->me.localId(), faults));
            // The sync client sends a RECEIPT after a pull (not on every round).
            if (faults && chance(3) && d->receiver->state(hqId()).value_or(std::nullopt))
                CHECK_OK(d->receiver->sendReceipt(0), "receipt");
        }
        TRY(fetch(*m_hq.receiver, hqId(), faults));
        // HQ's HEARTBEATs, after it has read what came in.
        for (auto &d : m_devices) {
            if (faults && !d->revoked && chance(6))
                CHECK_OK(m_hq.receiver->sendHeartbeat(d->me.localId()), "heartbeat");
        }
        return {};
    }

    bool quiet()
    {
        for (const auto &[id, box] : m_mailbox) {
            for (const Letter &l : box) {
                // What a revoked device posts may stay at the relay unacknowledged for good.
                if (!l.fromRevoked)
                    return false;
            }
        }
        auto hqPending = m_hq.outbox->recipientsWithPending();
        if (!hqPending || !hqPending->empty())
            return false;
        if (m_hq.records->outboxCount().value_or(1) != 0)
            return false;
        auto held = m_hq.fanout->heldDeletes();
        if (!held || !held->isEmpty())
            return false; // the desk decides them in the next round
        for (auto &d : m_devices) {
            auto devPending = d->outbox->recipientsWithPending();
            if (!devPending || !devPending->empty())
                return false;
            if (!d->revoked && d->records->outboxCount().value_or(1) != 0)
                return false;
        }
        return true;
    }

    // What still moves, for the failure message.
    QString unsettled()
    {
        QStringList out;
        for (const auto &[id, box] : m_mailbox) {
            if (!box.isEmpty())
                out.append(QStringLiteral("mailbox %1: %2 letters")
                               .arg(QString::fromLatin1(shortHex(id)))
                               .arg(box.size()));
        }
        auto hqPending = m_hq.outbox->recipientsWithPending();
        if (hqPending && !hqPending->empty())
            out.append(QStringLiteral("HQ outbox pending for %1 devices").arg(hqPending->size()));
        for (auto &d : m_devices) {
            auto devPending = d->outbox->recipientsWithPending();
            if (devPending && !devPending->empty())
                out.append(QStringLiteral("device %1 outbox pending").arg(d->index));
            if (!d->revoked && d->records->outboxCount().value_or(1) != 0)
                out.append(QStringLiteral("device %1 change log %2")
                               .arg(d->index)
                               .arg(d->records->outboxCount().value_or(-1)));
            auto st = d->receiver->state(hqId());
            if (st && *st)
                out.append(QStringLiteral("device %1 down e%2 s%3 parked %4 frozen %5 resync %6")
                               .arg(d->index)
                               .arg((*st)->stream.epoch)
                               .arg((*st)->applied.seq)
                               .arg((*st)->parked)
                               .arg((*st)->frozen)
                               .arg(int((*st)->resyncWanted)));
        }
        return out.join(QStringLiteral("; "));
    }

    // Honest from here on: every envelope the relay still holds is delivered, posts succeed,
    // everyone is online; HEARTBEATs and RECEIPTs go both ways and the timers run, so what the
    // hostile relay withheld for good is recovered by the protocol's own means.
    QString settle()
    {
        m_withhold.clear();
        for (auto &[to, box] : m_mailbox) {
            for (Letter &l : box)
                l.releaseRound = 0;
        }
        int quietRounds = 0;
        for (int round = 0; round < 120; ++round) {
            if (round % 6 == 5) {
                // Long enough online for every gap timer.
                advance(kGapTimeoutMs + 60 * 1000, true);
            } else {
                advance(2000, true);
            }
            for (auto &d : m_devices)
                CHECK_OK(d->receiver->tick(), "device tick");
            CHECK_OK(m_hq.receiver->tick(), "HQ tick");
            TRY(deskDecides(true));
            TRY(m_hq.publish());
            for (auto &d : m_devices)
                CHECK_OK(push(*d, kDefaultPushBytes), "push");
            TRY(exchange(false));
            quietRounds = quiet() ? quietRounds + 1 : 0;
            if (round % 3 == 0) {
                // After the pull, as the sync client and HQ's transport do.
                for (auto &d : m_devices) {
                    if (!d->revoked)
                        CHECK_OK(m_hq.receiver->sendHeartbeat(d->me.localId()), "heartbeat");
                    if (d->receiver->state(hqId()).value_or(std::nullopt))
                        CHECK_OK(d->receiver->sendReceipt(0), "receipt");
                }
            }
            // Quiet across a HEARTBEAT/RECEIPT round trip and a timer advance.
            if (quietRounds >= 7)
                return {};
        }
        return QStringLiteral("did not settle in 120 rounds: %1").arg(unsettled());
    }

    // ---- invariants ----

    // canonicalDump plus each record's owner.
    Result<QByteArray> dump(model::RecordStore &rs, const QStringList &scopes)
    {
        auto d = rs.canonicalDump(scopes);
        if (!d)
            return d;
        auto all = rs.records(scopes);
        if (!all)
            return std::unexpected(all.error());
        QByteArray out = *d;
        out += "owners\n";
        for (const auto &r : *all) {
            out += r.id.toHex();
            out += ' ';
            out += r.owner ? r.owner->toHex() : QByteArray("-");
            out += '\n';
        }
        return out;
    }

    // Whether `w` is in HQ's state: every field it wrote carries its stamp (and value) or a higher
    // stamp, or the record is deleted; a tombstone is there with this stamp or a higher one.
    bool reachedHq(const Written &w)
    {
        auto st = m_hq.records->record(w.op.recordId);
        if (!st || !*st)
            return false;
        const model::RecordState &s = **st;
        if (s.deleted)
            return !w.op.tombstone || s.tombstone >= w.op.stamp;
        if (w.op.tombstone)
            return false;
        for (auto it = w.op.fields.begin(); it != w.op.fields.end(); ++it) {
            auto f = s.fields.find(it.key());
            if (f == s.fields.end())
                return false;
            if (f->stamp < w.op.stamp)
                return false;
            if (f->stamp == w.op.stamp && f->value.toCbor() != it.value().toCbor())
                return false;
        }
        return true;
    }

    // At revocation: what of this device HQ has by now must survive; the rest is cut off.
    QString markReached(int device)
    {
        for (Written &w : m_written) {
            if (w.author == device && !w.op.recordId.isZero())
                m_revokedReached.emplace(std::size_t(&w - m_written.data()), reachedHq(w));
        }
        return {};
    }

    bool revokedPeer(const Id16 &id) const
    {
        for (const auto &d : m_devices) {
            if (d->revoked && d->me.localId() == id)
                return true;
        }
        return false;
    }

    // The held list (RecordStore::heldOperations, shown on the sync page): a final entry for the
    // operation (not one still waiting to be re-issued).
    bool shownAsRejected(Device &d, const Written &w)
    {
        auto held = d.records->heldOperations();
        if (!held)
            return false;
        for (const model::HeldOperation &h : *held) {
            if (h.op.recordId == w.op.recordId && h.op.stamp == w.op.stamp && !h.willRetry)
                return true;
        }
        return false;
    }

    QString verify()
    {
        QStringList problems;
        // I1
        for (auto &d : m_devices) {
            if (d->revoked)
                continue;
            const Id16 id = d->me.localId();
            auto scopes = m_hq.registry->scopesOf(id);
            CHECK_OK(scopes, "scopesOf");
            QStringList held = d->records->scopes();
            held.sort();
            if (held != *scopes) {
                problems.append(
                    QStringLiteral("I1: device %1 holds [%2], HQ says [%3]")
                        .arg(d->index)
                        .arg(held.join(QLatin1Char(',')), scopes->join(QLatin1Char(','))));
                continue;
            }
            auto with = d->records->scopesWithRecords();
            CHECK_OK(with, "scopesWithRecords");
            for (const QString &s : *with) {
                if (!scopes->contains(s))
                    problems.append(
                        QStringLiteral("I1: device %1 keeps records of %2").arg(d->index).arg(s));
            }
            auto mine = dump(*d->records, *scopes);
            auto hqs = dump(*m_hq.records, *scopes);
            CHECK_OK(mine, "device dump");
            CHECK_OK(hqs, "HQ dump");
            if (*mine != *hqs) {
                problems.append(QStringLiteral("I1: device %1 differs from HQ:\n--- device\n%2\n"
                                               "--- HQ\n%3")
                                    .arg(d->index)
                                    .arg(QString::fromUtf8(*mine), QString::fromUtf8(*hqs)));
            }
            auto st = d->receiver->state(hqId());
            if (!(st && *st && !(*st)->frozen))
                problems.append(
                    QStringLiteral("I1: device %1 `down` stream frozen or missing").arg(d->index));
            auto up = m_hq.receiver->state(id);
            if (!(up && *up && !(*up)->frozen))
                problems.append(QStringLiteral("I1: HQ's `up` stream from device %1 frozen or "
                                               "missing")
                                    .arg(d->index));
        }
        // I2
        int lost = 0;
        for (std::size_t i = 0; i < m_written.size(); ++i) {
            const Written &w = m_written[i];
            if (m_superseded.count(i) != 0)
                continue; // re-stamped and re-issued: its copy is checked
            if (w.author >= 0 && m_devices[std::size_t(w.author)]->revoked) {
                auto r = m_revokedReached.find(i);
                const bool hadReached = r != m_revokedReached.end() && r->second;
                if (!hadReached)
                    continue; // cut off with its device
            }
            if (reachedHq(w))
                continue;
            if (w.author >= 0 && shownAsRejected(*m_devices[std::size_t(w.author)], w))
                continue;
            if (++lost <= 5) {
                problems.append(
                    QStringLiteral("I2: write lost: %1 (round %2) %3 %4 of record %5 stamp %6")
                        .arg(w.author < 0 ? QStringLiteral("HQ")
                                          : QStringLiteral("device %1").arg(w.author))
                        .arg(w.round)
                        .arg(QLatin1StringView(model::recordTypeName(w.op.type)),
                             w.op.tombstone ? QStringLiteral("delete")
                                            : QStringLiteral("write of ") +
                                                  QStringList(w.op.fields.keys()).join(u'+'),
                             QString::fromLatin1(w.op.recordId.toHex().left(8)),
                             w.op.stamp.toString()));
            }
        }
        if (lost > 5)
            problems.append(QStringLiteral("I2: %1 writes lost in all").arg(lost));
        // I4
        if (!on(Clocks) && !anyOn(HostileRelay)) {
            auto hqAlarms = m_hq.receiver->alarms();
            CHECK_OK(hqAlarms, "HQ alarms");
            for (const Alarm &a : *hqAlarms) {
                // What a revoked device (an attacker) sends raises alarms: faults the run
                // injected.
                if (revokedPeer(a.peer))
                    continue;
                problems.append(QStringLiteral("I4: HQ alarm: ") + a.describe());
            }
            for (auto &d : m_devices) {
                if (d->revoked)
                    continue;
                auto al = d->receiver->alarms();
                CHECK_OK(al, "device alarms");
                for (const Alarm &a : *al)
                    problems.append(
                        QStringLiteral("I4: device %1 alarm: %2").arg(d->index).arg(a.describe()));
            }
        }
        return problems.join(QLatin1Char('\n'));
    }

    std::uint64_t m_seed;
    unsigned m_families;
    std::mt19937_64 m_rng;
    World m_world;
    QTemporaryDir m_dir{QFileInfo(QStringLiteral("/dev/shm")).isDir()
                            ? QStringLiteral("/dev/shm/liaison-convf-XXXXXX")
                            : QDir::tempPath() + QStringLiteral("/liaison-convf-XXXXXX")};
    Id16 m_deployment;
    Hq m_hq;
    liaison::test::SeededIds m_ids;
    std::vector<std::unique_ptr<Device>> m_devices;
    std::map<Id16, QList<Letter>> m_mailbox;
    std::vector<Letter> m_archive;
    std::map<Id16, std::uint32_t> m_withhold; // recipient -> epoch withheld
    std::vector<Written> m_written;
    std::map<std::size_t, bool> m_revokedReached;
    std::set<std::size_t> m_superseded; // writes re-stamped and re-issued (see push())
    QList<model::RecordId> m_created;
    int m_round = 0;
    QString m_phase = QStringLiteral("enrolment");
    QCryptographicHash m_journal{QCryptographicHash::Sha256};
};

struct SeedRange
{
    std::uint64_t first = 1;
    std::uint64_t count = 0;
};

// The CI budget (scripts/test, ASan): see the report of issue 8 for the measured time.
constexpr int kCiSeeds = 24;

SeedRange seedsFromEnv()
{
    if (qEnvironmentVariableIsSet("LIAISON_SEED"))
        return {qEnvironmentVariable("LIAISON_SEED").toULongLong(), 1};
    if (qEnvironmentVariableIsSet("LIAISON_SEEDS")) {
        const QString s = qEnvironmentVariable("LIAISON_SEEDS");
        const auto dash = s.indexOf(QLatin1Char('-'));
        if (dash > 0) {
            const std::uint64_t a = s.left(dash).toULongLong();
            const std::uint64_t b = s.mid(dash + 1).toULongLong();
            return {a, b >= a ? b - a + 1 : 0};
        }
        return {1, s.toULongLong()};
    }
    return {1, kCiSeeds};
}

} // namespace

class TestConvergenceFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("liaison.*.debug=false\n"
                                                        "liaison.*.info=false\n"
                                                        "liaison.*.warning=false"));
        // QHash's order the same in every process, so a seed replays alike across processes.
        QHashSeed::setDeterministicGlobalSeed();
    }

    void faultsChecker() { check(familiesFromEnv()); }

    // The second CI set (only when LIAISON_FAULTS is not given).
    void faultsCheckerMembers()
    {
        if (qEnvironmentVariableIsSet("LIAISON_FAULTS"))
            return;
        check(kCiFamilies2);
    }

    // Seeds the soak found failing, kept as fixed cases with the families they failed with
    // (kSoakFamilies; only when no seed or family is given). Each failed before its fix:
    //   115, 200, 474, 479, 537, 689  never settled: a device dropped, unread, every envelope
    //        of a `down` epoch whose RESYNC (seq 1) the relay had lost; a revoked device's WIPE
    //        sat behind it for good (fix: a device parks them, as HQ does on `up`, and opens
    //        them for a WIPE)
    //   206, 411  I1: a REJECT of an operation the device had re-issued after a RESYNC undid it
    //        on the device while HQ took the re-issued copy (fix: a REJECT names the `up`
    //        envelope that carried the operation; a device ignores one for an operation it has
    //        sent again since)
    void soakRegressions_data()
    {
        QTest::addColumn<int>("seed");
        QTest::addColumn<unsigned>("families");
        for (int seed : {115, 200, 206, 411, 474, 479, 537, 689})
            QTest::newRow(qPrintable(QString::number(seed))) << seed << kSoakFamilies;
        // The 30-minute soak of session 6 (first CI set, clocks on): a DeleteRefused REJECT of
        // an epoch a RESYNC had replaced, taken after the RESYNC that carried the desk's
        // acceptance of the same deletion, brought the record back on the device.
        QTest::newRow("3062") << 3062 << kCiFamilies;
        // Its second 30-minute soak: a device's HQ-time bound a minute past HQ's clock (HQ's
        // clock went back after the HEARTBEAT) and its wall clock 9 min past the bound, so every
        // re-stamped write was refused as ClockAhead again, for ever.
        for (int seed : {5444, 6049})
            QTest::newRow(qPrintable(QString::number(seed))) << seed << kCiFamilies;
    }
    void soakRegressions()
    {
        QFETCH(int, seed);
        QFETCH(unsigned, families);
        if (qEnvironmentVariableIsSet("LIAISON_FAULTS") ||
            qEnvironmentVariableIsSet("LIAISON_SEED") ||
            qEnvironmentVariableIsSet("LIAISON_SEEDS") ||
            qEnvironmentVariableIsSet("LIAISON_SOAK_SECONDS"))
            return;
        Star star(std::uint64_t(seed), families);
        const QString error = star.run(200);
        QVERIFY2(error.isEmpty(),
                 qPrintable(QStringLiteral("seed %1 (replay: LIAISON_SEED=%1 "
                                           "LIAISON_FAULTS=%2) at %3: %4")
                                .arg(seed)
                                .arg(familiesText(families), star.where(), error.left(4000))));
    }

    // Issue 8, "each seed reproduces exactly": two runs of one seed take the same steps with the
    // same ids and stamps and end in the same states (Star::digest), with every family on and
    // with the second CI set.
    void seedReplaysExactly_data()
    {
        QTest::addColumn<int>("seed");
        QTest::addColumn<unsigned>("families");
        QTest::newRow("3 all") << 3 << kAllFamilies;
        QTest::newRow("4 second set") << 4 << kCiFamilies2;
    }
    void seedReplaysExactly()
    {
        QFETCH(int, seed);
        QFETCH(unsigned, families);
        if (qEnvironmentVariableIsSet("LIAISON_SOAK_SECONDS"))
            return;
        QStringList runs;
        for (int run = 0; run < 2; ++run) {
            Star star(std::uint64_t(seed), families);
            const QString error = star.run(120);
            runs.append(
                QStringLiteral("%1 at %2: %3")
                    .arg(QString::fromLatin1(star.digest()), star.where(), error.left(300)));
        }
        QCOMPARE(runs[1], runs[0]);
    }

private:
    void check(unsigned families)
    {
        const int actions = qEnvironmentVariableIntValue("LIAISON_ACTIONS") > 0
                                ? qEnvironmentVariableIntValue("LIAISON_ACTIONS")
                                : 200;
        // A soak of both CI sets (LIAISON_FAULTS unset) gives each half of the time, so
        // scripts/soak --minutes N takes N minutes.
        const qint64 soakSeconds = qEnvironmentVariableIntValue("LIAISON_SOAK_SECONDS") /
                                   (qEnvironmentVariableIsSet("LIAISON_FAULTS") ? 1 : 2);
        SeedRange range = seedsFromEnv();
        if (soakSeconds > 0) {
            range.first = qEnvironmentVariableIsSet("LIAISON_SEED_FIRST")
                              ? qEnvironmentVariable("LIAISON_SEED_FIRST").toULongLong()
                              : 1;
            range.count = std::numeric_limits<std::uint64_t>::max() - range.first;
        }
        std::printf("faults: %s, %d actions per seed\n", qPrintable(familiesText(families)),
                    actions);
        QElapsedTimer t;
        t.start();
        std::uint64_t ran = 0;
        std::uint64_t failed = 0;
        std::optional<std::uint64_t> firstFailing;
        QString firstError;
        for (std::uint64_t seed = range.first; ran < range.count; ++seed) {
            if (soakSeconds > 0 && t.elapsed() >= soakSeconds * 1000)
                break;
            QString error;
            QString at;
            {
                Star star(seed, families);
                error = star.run(actions);
                at = star.where();
                // LIAISON_CONVERGENCE_DIGEST=1: each seed's digest, to compare replays across
                // processes.
                if (qEnvironmentVariableIsSet("LIAISON_CONVERGENCE_DIGEST"))
                    std::printf("seed %llu digest %s\n", static_cast<unsigned long long>(seed),
                                star.digest().constData());
            }
            ++ran;
            if (!error.isEmpty()) {
                ++failed;
                std::fprintf(stderr, "seed %llu FAILED (faults %s, at %s): %s\n",
                             static_cast<unsigned long long>(seed),
                             qPrintable(familiesText(families)), qPrintable(at), qPrintable(error));
                std::fprintf(stderr, "replay: LIAISON_SEED=%llu LIAISON_FAULTS=%s\n",
                             static_cast<unsigned long long>(seed),
                             qPrintable(familiesText(families)));
                if (!firstFailing) {
                    firstFailing = seed;
                    firstError = error;
                }
                if (soakSeconds <= 0)
                    break;
            }
        }
        std::printf("faults %s: %llu seeds in %lld ms, %llu failed, first failing seed: %s\n",
                    qPrintable(familiesText(families)), static_cast<unsigned long long>(ran),
                    static_cast<long long>(t.elapsed()), static_cast<unsigned long long>(failed),
                    firstFailing ? qPrintable(QString::number(*firstFailing)) : "none");
        std::fflush(stdout);
        QVERIFY2(!firstFailing, qPrintable(QStringLiteral("seed %1: %2")
                                               .arg(firstFailing.value_or(0))
                                               .arg(firstError.left(4000))));
    }
};

LIAISON_TEST_MAIN(TestConvergenceFaults)
#include "tst_convergence_faults.moc"
