// Fuzzes the receiver (sync/streams) over a real encrypted store, with the published test keys
// (tests/support/testkeys.h) so inputs get past the signature. Each input starts from the same
// state: the device's `down` stream at epoch 1 with nothing applied, its `up` stream open.
// The first byte picks a mode:
//   0: the rest is a list of envelopes (u16 length ‖ bytes), received as they are
//   1: the rest is a list of envelopes that are re-signed with the test HQ key after parsing, so
//      header, sealed key and ciphertext mutations reach steps 3-6
//   2: the rest is a program: items (op, seq delta, kind, flags, length, reserved, bytes) that
//      the test HQ seals and the device receives: in order, duplicated, held back and released
//      in reverse, forked, far ahead, new epochs, wrong kinds, raw body bytes, gap timeouts
// After every input: PRAGMA integrity_check is ok, parked envelopes all lie ahead of the head and
// inside the park window, and a frozen stream applied nothing after it froze.
#include "fuzzcheck.h"
#include "../support/testkeys.h"

#include "crypto/crypto.h"
#include "protocol/cbor.h"
#include "protocol/seal.h"
#include "store/database.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "streams/streamschema.h"

#include <QCborArray>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QtEndian>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

using namespace liaison;
using namespace liaison::streams;

namespace {

class DeviceIdentity final : public LocalIdentity
{
public:
    DeviceIdentity()
        : m_sign(crypto::crypto_sign_keypair())
    {}
    Role role() const override { return Role::Device; }
    Id16 deploymentId() const override { return test::testKeys().deployment; }
    Id16 localId() const override { return test::testKeys().device; }
    const crypto::SignSecretKey &signingKey() const override { return m_sign.secretKey; }
    const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == test::testKeys().boxKeyId ? &test::testKeys().recipientBox : nullptr;
    }
    crypto::Hash32 signKeyHash() const
    {
        return crypto::crypto_generichash(m_sign.publicKey.view());
    }

private:
    crypto::SignKeyPair m_sign;
};

class HqDirectory final : public PeerDirectory
{
public:
    HqDirectory()
        : m_box(crypto::crypto_box_keypair())
    {}
    std::optional<Peer> peer(const Id16 &id) const override
    {
        if (id != test::testKeys().hq)
            return std::nullopt;
        Peer p;
        p.id = id;
        p.signKey = test::testKeys().senderSign.publicKey;
        p.boxKey = m_box.publicKey;
        p.boxKeyId = 1;
        return p;
    }

private:
    crypto::BoxKeyPair m_box;
};

// Stands in for the records layer: DELTA ops into a table, RESYNC replaces it.
class TableApplier final : public EnvelopeApplier
{
public:
    Status check(const Body &body, const StreamContext &) override
    {
        if (body.kind == Kind::Delta && body.payload.value(0).toArray().size() > 64)
            return fail(Errc::Refused, QStringLiteral("too many ops for this applier"));
        return {};
    }
    Status apply(const Body &body, const StreamContext &ctx) override
    {
        QCborArray ops;
        if (body.kind == Kind::Delta)
            ops = body.payload.value(0).toArray();
        if (body.kind == Kind::Resync) {
            if (body.payload.value(3).toInteger() == 1) {
                if (auto s = ctx.db.execute("DELETE FROM fuzz_kv"); !s)
                    return s;
            }
            ops = body.payload.value(5).toArray();
        }
        auto st = ctx.db.prepare("INSERT OR REPLACE INTO fuzz_kv (k, v) VALUES (?, ?)");
        if (!st)
            return std::unexpected(st.error());
        for (const QCborValue &op : ops) {
            auto enc = protocol::cbor::encode(op);
            if (!enc)
                return fail(Errc::Malformed, QStringLiteral("op"));
            st->bind(1, QByteArrayView(crypto::crypto_generichash(*enc).toByteArray()))
                .bind(2, QByteArrayView(*enc));
            if (auto s = st->exec(); !s)
                return s;
        }
        return {};
    }
};

struct World
{
    QTemporaryDir dir;
    liaison::ManualClock clock;
    DeviceIdentity me;
    HqDirectory peers;
    TableApplier applier;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<StreamOutbox> outbox;
    std::unique_ptr<Receiver> receiver;
    int wipes = 0;

    World()
    {
        store::OpenOptions o;
        o.create = true;
        o.migrations = streamMigrations();
        o.migrations.push_back([](store::Database &d) {
            return d.execute("CREATE TABLE fuzz_kv (k BLOB PRIMARY KEY, v BLOB NOT NULL)");
        });
        o.migrations.push_back(streamLaneMigration());
        auto opened =
            store::Database::open(dir.filePath("fuzz.db"), crypto::SecretBytes::random(32), o);
        FUZZ_CHECK(bool(opened));
        db = std::move(*opened);
        outbox = std::make_unique<StreamOutbox>(*db, me, peers, clock);
        receiver = std::make_unique<Receiver>(*db, me, peers, applier, *outbox, clock);
        receiver->setWipeHandler([this](const Command &) { ++wipes; });
    }

    void reset()
    {
        clock.setWall(1767225600000);
        static const char *const wipe[] = {
            "DELETE FROM stream_in",       "DELETE FROM stream_parked",
            "DELETE FROM stream_evidence", "DELETE FROM stream_applied",
            "DELETE FROM stream_out",      "DELETE FROM stream_outbox",
            "DELETE FROM stream_alarm",    "DELETE FROM stream_command",
            "DELETE FROM fuzz_kv",
        };
        for (const char *sql : wipe)
            FUZZ_CHECK(bool(db->execute(sql)));
        const auto &k = test::testKeys();
        auto in = db->prepare("INSERT INTO stream_in (sender, recipient, direction, epoch, "
                              "applied_seq, head_hash) VALUES (?, ?, ?, 1, 0, ?)");
        FUZZ_CHECK(bool(in));
        in->bind(1, k.hq.view())
            .bind(2, k.device.view())
            .bind(3, int(Direction::Down))
            .bind(4, crypto::Hash32{}.view());
        FUZZ_CHECK(bool(in->exec()));
        // The device's `up` stream as after the RECEIPT that answered HQ's RESYNC: epoch 1,
        // seq 1 sealed (head seq 0 is a stream moved on by HQ's restore, where nothing may be
        // sealed until a new epoch opens).
        auto out = db->prepare("INSERT INTO stream_out (recipient, sender, direction, epoch, "
                               "head_seq, head_hash) VALUES (?, ?, ?, 1, 1, ?)");
        FUZZ_CHECK(bool(out));
        out->bind(1, k.hq.view())
            .bind(2, k.device.view())
            .bind(3, int(Direction::Up))
            .bind(4, crypto::Hash32{}.view());
        FUZZ_CHECK(bool(out->exec()));
    }

    void verify()
    {
        FUZZ_CHECK(bool(db->integrityCheck()));
        auto st = db->prepare("SELECT count(*) FROM stream_parked p JOIN stream_in i ON "
                              "p.sender = i.sender AND p.recipient = i.recipient WHERE "
                              "i.state = 0 AND p.epoch = i.epoch AND (p.seq <= i.applied_seq OR "
                              "p.seq > i.applied_seq + 2000)");
        FUZZ_CHECK(bool(st) && st->step().value_or(false));
        FUZZ_CHECK(st->columnInt64(0) == 0);
    }
};

World &world()
{
    static World w;
    return w;
}

void receive(QByteArrayView bytes)
{
    auto before = world().receiver->state(test::testKeys().hq);
    FUZZ_CHECK(before && before->has_value());
    auto r = world().receiver->receive(bytes);
    if (!r) // local failures only; nothing from outside may fail the store
        std::fprintf(stderr, "receive failed: %s\n", qPrintable(r.error().message));
    FUZZ_CHECK(bool(r));
    static const bool verbose = qEnvironmentVariableIsSet("LIAISON_FUZZ_VERBOSE");
    if (verbose)
        std::fprintf(stderr, "  %s seq %llu%s\n", dispositionName(r->disposition),
                     static_cast<unsigned long long>(r->seq), r->wipe ? " wipe" : "");
    auto after = world().receiver->state(test::testKeys().hq);
    FUZZ_CHECK(after && after->has_value());
    const StreamState &b = **before;
    const StreamState &a = **after;
    if (r->disposition == Disposition::Dropped)
        FUZZ_CHECK(r->applied == 0 && a.applied == b.applied && a.frozen == b.frozen &&
              a.parked == b.parked);
    // A frozen stream applies nothing until a new epoch.
    if (b.frozen && a.stream.epoch == b.stream.epoch)
        FUZZ_CHECK(a.frozen && a.applied == b.applied);
    // The head moves only forward within an epoch.
    if (a.stream.epoch == b.stream.epoch)
        FUZZ_CHECK(a.applied.seq >= b.applied.seq);
    else
        FUZZ_CHECK(a.stream.epoch > b.stream.epoch && !a.frozen);
}

template <typename F> void forEachChunk(QByteArrayView rest, F &&f)
{
    while (rest.size() >= 2) {
        const qsizetype len = qFromBigEndian<quint16>(rest.data());
        rest = rest.sliced(2);
        const qsizetype take = std::min(len, rest.size());
        f(rest.first(take));
        rest = rest.sliced(take);
    }
}

// Mode 2: a tiny HQ that seals what the program says.
struct Program
{
    std::map<std::pair<std::uint32_t, std::uint64_t>, crypto::Hash32> hashes;
    std::uint32_t epoch = 1;
    std::uint64_t next = 1;
    QList<QByteArray> held; // sealed but not delivered yet (flag 0x80); op 7 releases them

    QCborMap payloadFor(protocol::Kind kind, QByteArrayView data, std::uint64_t seq, bool newEpoch)
    {
        QCborArray ops;
        for (qsizetype i = 0; i + 2 <= data.size() && ops.size() < 8; i += 2) {
            QCborMap op;
            op.insert(0, qint64(quint8(data[i])));
            op.insert(1, QByteArray(data.sliced(i + 1, 1).toByteArray()));
            ops.append(op);
        }
        switch (kind) {
        case protocol::Kind::Delta: {
            protocol::DeltaPayload d;
            d.ops = ops;
            return d.toCbor();
        }
        case protocol::Kind::Resync: {
            protocol::ResyncPayload r;
            r.scopes = QStringList{QStringLiteral("post:fuzz")};
            r.part = newEpoch ? 1 : std::uint32_t(std::max<std::uint64_t>(seq, 1));
            r.parts = std::max<std::uint32_t>(r.part, 3);
            r.ops = ops;
            r.heartbeat.hqTimeMs = 1767225600000;
            return r.toCbor();
        }
        case protocol::Kind::Heartbeat: {
            protocol::HeartbeatPayload h;
            h.hqTimeMs = 1767225600000 + (data.isEmpty() ? 0 : quint8(data[0])) * 60000;
            h.certSerial = data.size() > 1 ? quint8(data[1]) : 0;
            h.downHead.epoch = epoch;
            h.downHead.seq = seq - 1;
            return h.toCbor();
        }
        case protocol::Kind::Command: {
            protocol::CommandPayload c;
            c.commandId = crypto::Id16::fromBytes(QByteArray(16, data.isEmpty() ? 'c' : data[0]))
                              .value_or(crypto::Id16{});
            c.target = test::testKeys().device;
            c.targetSignKeyHash = world().me.signKeyHash();
            c.issuedAtMs = 1767225600000;
            c.notAfterMs = data.size() > 1 && data[1] == 0 ? 1767225600001 : 1767229200000;
            return c.toCbor();
        }
        case protocol::Kind::ScopeLeave: {
            protocol::ScopeLeavePayload s;
            s.scope = QStringLiteral("post:fuzz");
            return s.toCbor();
        }
        default:
            return {};
        }
    }

    void run(QByteArrayView rest)
    {
        const auto &k = test::testKeys();
        while (rest.size() >= 6) {
            const quint8 op = quint8(rest[0]);
            const qint8 seqDelta = qint8(rest[1]);
            const quint8 kindByte = quint8(rest[2]);
            const quint8 flags = quint8(rest[3]);
            const qsizetype len = std::min<qsizetype>(rest[4] & 0x7f, rest.size() - 6);
            const QByteArrayView data = rest.sliced(6, len);
            rest = rest.sliced(6 + len);

            const bool newEpoch = flags & 1;
            if (op % 8 == 7) {
                // Deliver what was held, newest first.
                for (qsizetype i = held.size() - 1; i >= 0; --i)
                    receive(held[i]);
                held.clear();
                continue;
            }
            if (newEpoch) {
                epoch += 1 + (op & 1);
                next = 1;
            }
            std::uint64_t seq = next;
            switch (op % 8) {
            case 5:
                seq = (1ull << 32) + 1;
                break;
            case 6:
                seq = next + 1000 + quint8(rest.isEmpty() ? 0 : rest[0]) * 8;
                break;
            default:
                seq = std::uint64_t(std::max<std::int64_t>(0, std::int64_t(next) + seqDelta));
                break;
            }
            const auto kind = protocol::Kind(1 + kindByte % 12);
            protocol::SealParams p = k.downParams(seq, kind, {});
            p.epoch = epoch;
            auto prevIt = hashes.find({epoch, seq - 1});
            if ((flags & 2) || seq <= 1 || prevIt == hashes.end())
                p.prev =
                    (flags & 2) || seq > 1 ? crypto::crypto_generichash(data) : crypto::Hash32{};
            else
                p.prev = prevIt->second;
            if (flags & 8)
                p.recipientBoxKeyId = 2; // a key the device does not hold
            Result<protocol::SealedEnvelope> sealed = fail(Errc::Internal, {});
            if (flags & 4) {
                sealed = protocol::sealEncodedBody(p, data, k.senderSign.secretKey);
            } else {
                QCborMap body;
                body.insert(0, qint64(kind));
                body.insert(1, qint64(1767225600000));
                body.insert(2, payloadFor(kind, data, seq, newEpoch));
                auto enc = protocol::cbor::encode(body);
                if (!enc)
                    continue;
                sealed = protocol::sealEncodedBody(p, *enc, k.senderSign.secretKey);
            }
            if (!sealed)
                continue;
            hashes[{epoch, seq}] = sealed->envHash;
            if (seq == next)
                ++next;
            if (flags & 0x80) {
                if (held.size() < 64)
                    held.append(sealed->bytes);
                continue;
            }
            const int times = 1 + ((flags >> 4) & 3);
            for (int i = 0; i < times; ++i)
                receive(sealed->bytes);
            if (flags & 0x40) {
                world().clock.advance(61 * 60 * 1000);
                FUZZ_CHECK(bool(world().receiver->tick()));
                FUZZ_CHECK(bool(world().receiver->gapsWanted()));
            }
        }
    }
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    QLoggingCategory::setFilterRules(QStringLiteral("liaison.*=false"));
    (void)test::testKeys();
    (void)world();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    World &w = world();
    w.reset();
    const QByteArrayView rest(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    switch (data[0] % 3) {
    case 0:
        forEachChunk(rest, [](QByteArrayView e) { receive(e); });
        break;
    case 1:
        forEachChunk(rest, [](QByteArrayView e) {
            auto frame = protocol::parseEnvelope(e, protocol::kMaxEnvelopeBytes);
            if (!frame) {
                receive(e);
                return;
            }
            frame->signature =
                protocol::signEnvelopeHash(frame->envHash, test::testKeys().senderSign.secretKey);
            receive(frame->encode());
        });
        break;
    default: {
        Program p;
        p.run(rest);
        break;
    }
    }
    w.verify();
    return 0;
}
