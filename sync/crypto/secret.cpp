#include "secret.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace liaison::crypto {

SecretBytes::SecretBytes(std::size_t size)
{
    if (size == 0)
        return;
    m_data = static_cast<std::uint8_t *>(sodium_malloc(size));
    if (!m_data) {
        std::fputs("liaison: out of secure memory\n", stderr);
        std::abort();
    }
    sodium_memzero(m_data, size);
    m_size = size;
}

SecretBytes::~SecretBytes()
{
    wipe();
}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept
{
    if (this != &other) {
        wipe();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

SecretBytes SecretBytes::random(std::size_t size)
{
    SecretBytes s(size);
    if (size)
        randombytes_buf(s.m_data, size);
    return s;
}

SecretBytes SecretBytes::copyOf(QByteArrayView bytes)
{
    SecretBytes s(std::size_t(bytes.size()));
    if (!bytes.isEmpty())
        std::memcpy(s.m_data, bytes.data(), std::size_t(bytes.size()));
    return s;
}

bool SecretBytes::equals(const SecretBytes &other) const
{
    if (m_size != other.m_size)
        return false;
    if (m_size == 0)
        return true;
    return sodium_memcmp(m_data, other.m_data, m_size) == 0;
}

void SecretBytes::wipe()
{
    if (m_data) {
        sodium_memzero(m_data, m_size);
        sodium_free(m_data);
    }
    m_data = nullptr;
    m_size = 0;
}

} // namespace liaison::crypto
