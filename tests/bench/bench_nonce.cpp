// bench_nonce: the envelope nonce (DESIGN.md "Envelopes": a random 24-byte XChaCha20 nonce per
// seal) never repeats, and a re-seal of the same envelope, as a retry or a re-issue does, gets a
// fresh one (issue 8, "the nonce test as first asked"). Release build (scripts/bench,
// scripts/soak):
//
//  nonce_seals          real seals through streams::codec::seal (Ed25519, sealed CEK, commitment,
//                       XChaCha20-Poly1305), half of them re-seals of the previous input
//  nonce_repeats        nonces seen twice among all of them (goal 0)
//  reseal_same_nonce    re-seals whose nonce or bytes equal the first seal's (goal 0)
//  seals_per_s          (reported)
// Exits 1 if a nonce repeats. --smoke: 2,000 seals (checks that it runs and prints its lines).

#include "../unit/tst_receiver_harness.h"
#include "testmain.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace liaison;
using namespace liaison::streams;
using liaison::streams::test::Identity;

namespace {

[[noreturn]] void die(const char *what, const QString &why = {})
{
    std::fprintf(stderr, "bench_nonce: %s %s\n", what, qPrintable(why));
    std::exit(1);
}

using Nonce = std::array<std::uint8_t, 24>;

Nonce nonceOf(const QByteArray &envelope)
{
    auto frame = protocol::parseEnvelope(envelope, protocol::kMaxEnvelopeBytes);
    if (!frame)
        die("parse", frame.error().message);
    Nonce n;
    std::copy_n(frame->header.nonce.data(), n.size(), n.begin());
    return n;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const std::size_t total = smoke ? 2000 : 1'000'000;

    const Id16 deployment = crypto::randomFixed<Id16>();
    const Identity hq(Role::Hq, deployment);
    const Identity dev(Role::Device, deployment);
    const Peer to = dev.asPeer();

    std::vector<Nonce> nonces;
    nonces.reserve(total);
    std::size_t resealSame = 0;
    codec::SealInput in;
    in.deployment = deployment;
    in.sender = hq.localId();
    in.recipient = to.id;
    in.epoch = 1;
    in.recipientBoxKeyId = to.boxKeyId;
    in.recipientBoxKey = to.boxKey;
    in.senderKey = &hq.signingKey();
    in.direction = Direction::Down;
    in.kind = Kind::Delta;
    in.createdMs = 1'780'000'000'000;

    QElapsedTimer t;
    t.start();
    QByteArray first;
    for (std::size_t i = 0; i < total; ++i) {
        const bool reseal = (i % 2) == 1;
        if (!reseal) {
            in.seq = i / 2 + 1;
            in.prev = crypto::crypto_generichash(QByteArray::number(qulonglong(i)));
            in.createdMs += 1;
            in.payload =
                streams::test::kvDelta({{QStringLiteral("k"), QString::number(qulonglong(i))}});
        }
        auto sealed = codec::seal(in);
        if (!sealed)
            die("seal", sealed.error().message);
        nonces.push_back(nonceOf(sealed->bytes));
        if (reseal) {
            if (sealed->bytes == first || nonces[i] == nonces[i - 1])
                ++resealSame;
        } else {
            first = sealed->bytes;
        }
    }
    const double seconds = double(t.elapsed()) / 1000.0;

    std::sort(nonces.begin(), nonces.end());
    std::size_t repeats = 0;
    for (std::size_t i = 1; i < nonces.size(); ++i)
        repeats += nonces[i] == nonces[i - 1] ? 1 : 0;

    std::printf("nonce_seals: %zu (goal >= %zu)\n", total, total);
    std::printf("nonce_repeats: %zu (goal == 0)\n", repeats);
    std::printf("reseal_same_nonce: %zu of %zu re-seals (goal == 0)\n", resealSame, total / 2);
    std::printf("seals_per_s: %.0f (reported)\n", double(total) / std::max(seconds, 1e-9));
    return repeats == 0 && resealSame == 0 ? 0 : 1;
}
