#pragma once

#include <QByteArrayView>

#include <cstddef>
#include <cstdint>
#include <span>

namespace liaison::crypto {

// Secret bytes in sodium_malloc memory (guard pages, mlock'ed where allowed), wiped before free.
// Move-only: there is no way to copy a secret by accident. Never put one in a QString, QByteArray,
// log line or Q_PROPERTY.
class SecretBytes
{
public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size); // zero-filled; aborts if the allocation fails
    ~SecretBytes();
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    SecretBytes(const SecretBytes &) = delete;
    SecretBytes &operator=(const SecretBytes &) = delete;

    [[nodiscard]] static SecretBytes random(std::size_t size);
    [[nodiscard]] static SecretBytes copyOf(QByteArrayView bytes);

    [[nodiscard]] std::uint8_t *data() { return m_data; }
    [[nodiscard]] const std::uint8_t *data() const { return m_data; }
    [[nodiscard]] std::size_t size() const { return m_size; }
    [[nodiscard]] bool empty() const { return m_size == 0; }
    [[nodiscard]] std::span<std::uint8_t> span() { return {m_data, m_size}; }
    [[nodiscard]] std::span<const std::uint8_t> span() const { return {m_data, m_size}; }
    // A view for passing to crypto primitives; do not keep it beyond the call.
    [[nodiscard]] QByteArrayView view() const
    {
        return QByteArrayView(reinterpret_cast<const char *>(m_data), qsizetype(m_size));
    }

    [[nodiscard]] bool equals(const SecretBytes &other) const; // constant time for equal sizes
    void wipe();                                               // zero and free now

private:
    std::uint8_t *m_data = nullptr;
    std::size_t m_size = 0;
};

// A secret of fixed size with a tag type, so a box secret key cannot stand in for a signing key.
template <std::size_t N, typename Tag> class SecretKey
{
public:
    static constexpr std::size_t size = N;
    SecretKey()
        : m_bytes(N)
    {}
    explicit SecretKey(SecretBytes &&bytes)
        : m_bytes(std::move(bytes))
    {}
    [[nodiscard]] static SecretKey random() { return SecretKey(SecretBytes::random(N)); }

    [[nodiscard]] std::uint8_t *data() { return m_bytes.data(); }
    [[nodiscard]] const std::uint8_t *data() const { return m_bytes.data(); }
    [[nodiscard]] QByteArrayView view() const { return m_bytes.view(); }
    [[nodiscard]] bool isValid() const { return m_bytes.size() == N; }
    [[nodiscard]] const SecretBytes &bytes() const { return m_bytes; }
    void wipe() { m_bytes.wipe(); }

private:
    SecretBytes m_bytes;
};

struct SymmetricKeyTag;
struct SignSecretKeyTag;
struct BoxSecretKeyTag;

using SymmetricKey = SecretKey<32, SymmetricKeyTag>;   // AEAD keys, KDF masters, VK, KEK
using SignSecretKey = SecretKey<64, SignSecretKeyTag>; // Ed25519 (seed ‖ pk)
using BoxSecretKey = SecretKey<32, BoxSecretKeyTag>;   // X25519

} // namespace liaison::crypto
