#pragma once

// Test-keys mode: a FIXED, PUBLISHED key set, compiled only into test and fuzz targets (this
// header lives under tests/ and no product target includes it). With it a fuzzer can sign and
// seal its inputs, so mutations get past the signature and reach the sealed key, the commitment,
// the AEAD, the padding and the strict body decoder. Never use these keys anywhere else: the
// secrets are printed right here.

#include "crypto/crypto.h"
#include "protocol/seal.h"

#include <cstdlib>

namespace liaison::test {

struct TestKeys
{
    crypto::Id16 deployment;
    crypto::Id16 hq;     // the sender of down envelopes
    crypto::Id16 device; // the recipient of down envelopes
    std::uint32_t boxKeyId = 1;
    crypto::SignKeyPair senderSign; // HQ's content-signing key
    crypto::BoxKeyPair recipientBox;

    [[nodiscard]] protocol::EnvelopeContext downContext() const
    {
        protocol::EnvelopeContext c;
        c.deployment = deployment;
        c.sender = hq;
        c.recipient = device;
        c.direction = protocol::Direction::Down;
        return c;
    }
    [[nodiscard]] protocol::BoxKeyLookup boxKeys() const
    {
        return [this](std::uint32_t id) -> const crypto::BoxKeyPair * {
            return id == boxKeyId ? &recipientBox : nullptr;
        };
    }
    [[nodiscard]] protocol::SealParams downParams(std::uint64_t seq, protocol::Kind kind,
                                                  QCborMap payload) const
    {
        protocol::SealParams p;
        p.deployment = deployment;
        p.sender = hq;
        p.recipient = device;
        p.epoch = 1;
        p.seq = seq;
        p.recipientBoxKeyId = boxKeyId;
        p.recipientBoxKey = recipientBox.publicKey;
        p.direction = protocol::Direction::Down;
        p.kind = kind;
        p.createdMs = 1767225600000; // 2026-01-01T00:00:00Z
        p.payload = std::move(payload);
        return p;
    }
};

// Seeds, ids: ASCII so that anyone reading a corpus file can recognise them.
[[nodiscard]] inline const TestKeys &testKeys()
{
    static const TestKeys keys = [] {
        TestKeys k;
        k.deployment = *crypto::Id16::fromBytes("LIAISN-test-dep1");
        k.hq = *crypto::Id16::fromBytes("LIAISN-test-hq01");
        k.device = *crypto::Id16::fromBytes("LIAISN-test-dev1");
        auto sign = crypto::crypto_sign_seed_keypair(
            crypto::SecretBytes::copyOf("LIAISN fuzz test sign key seed!!"));
        if (!sign)
            std::abort();
        k.senderSign = std::move(*sign);
        k.recipientBox = crypto::crypto_box_keypair_from_secret(
            crypto::BoxSecretKey(crypto::SecretBytes::copyOf("LIAISN fuzz test box secret key!")));
        return k;
    }();
    return keys;
}

} // namespace liaison::test
