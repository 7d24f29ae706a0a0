#include "keychainitemstore.h"

#include "crypto/crypto.h"

#import <Foundation/Foundation.h>
#import <Security/Security.h>

namespace liaison::platform {

namespace {

NSMutableDictionary *itemQuery(const QString &service, const QString &alias)
{
    return [NSMutableDictionary dictionaryWithDictionary:@{
        (__bridge id)kSecClass : (__bridge id)kSecClassGenericPassword,
        (__bridge id)kSecAttrService : service.toNSString(),
        (__bridge id)kSecAttrAccount : alias.toNSString(),
    }];
}

Error keychainError(const char *what, OSStatus status)
{
    return Error{
        Errc::Io,
        QStringLiteral("%1 (Keychain status %2)").arg(QLatin1String(what)).arg(int(status))};
}

} // namespace

KeychainItemStore::KeychainItemStore(QString service)
    : m_service(std::move(service))
{}

QString KeychainItemStore::description() const
{
    return QStringLiteral("iOS Keychain (this device only)");
}

Result<crypto::SecretBytes> KeychainItemStore::read(const QString &alias)
{
    @autoreleasepool {
        NSMutableDictionary *query = itemQuery(m_service, alias);
        query[(__bridge id)kSecReturnData] = @YES;
        query[(__bridge id)kSecMatchLimit] = (__bridge id)kSecMatchLimitOne;
        CFTypeRef result = nullptr;
        const OSStatus status = SecItemCopyMatching((__bridge CFDictionaryRef)query, &result);
        if (status == errSecItemNotFound)
            return fail(Errc::NotFound,
                        QStringLiteral("the key store holds no item %1").arg(alias));
        if (status != errSecSuccess || !result)
            return std::unexpected(keychainError("cannot read from the Keychain", status));
        CFDataRef data = static_cast<CFDataRef>(result);
        crypto::SecretBytes secret = crypto::SecretBytes::copyOf(QByteArrayView(
            reinterpret_cast<const char *>(CFDataGetBytePtr(data)), CFDataGetLength(data)));
        crypto::memzero(const_cast<UInt8 *>(CFDataGetBytePtr(data)),
                        std::size_t(CFDataGetLength(data)));
        CFRelease(result);
        return secret;
    }
}

Status KeychainItemStore::write(const QString &alias, QByteArrayView secret)
{
    @autoreleasepool {
        NSData *value = [NSData dataWithBytes:secret.data() length:NSUInteger(secret.size())];
        NSMutableDictionary *query = itemQuery(m_service, alias);
        NSDictionary *update = @{
            (__bridge id)kSecValueData : value,
            (__bridge id)
            kSecAttrAccessible : (__bridge id)kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
        };
        OSStatus status =
            SecItemUpdate((__bridge CFDictionaryRef)query, (__bridge CFDictionaryRef)update);
        if (status == errSecItemNotFound) {
            [query addEntriesFromDictionary:update];
            status = SecItemAdd((__bridge CFDictionaryRef)query, nullptr);
        }
        if (status != errSecSuccess)
            return std::unexpected(keychainError("cannot write to the Keychain", status));
        return {};
    }
}

Status KeychainItemStore::remove(const QString &alias)
{
    @autoreleasepool {
        const OSStatus status =
            SecItemDelete((__bridge CFDictionaryRef)itemQuery(m_service, alias));
        if (status != errSecSuccess && status != errSecItemNotFound)
            return std::unexpected(keychainError("cannot remove from the Keychain", status));
        return {};
    }
}

} // namespace liaison::platform
