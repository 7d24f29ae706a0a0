// createQuickUnlockStore() on iOS (platform/quickunlock.h): a Keychain item per vault,
// kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly (never in a backup, never on another device,
// gone if the passcode is removed) under SecAccessControl kSecAccessControlBiometryCurrentSet:
// the Secure Enclave releases it only after Face ID / Touch ID succeeds for the biometrics
// enrolled when it was stored; enrolling another finger or face makes it unreadable. Reading
// blocks while the system shows its prompt, so it runs on a background queue and the answer is
// queued back to the Qt thread. Info.plist carries NSFaceIDUsageDescription.

#include "quickunlock.h"

#include "crypto/crypto.h"

#include <QCoreApplication>

#import <Foundation/Foundation.h>
#import <LocalAuthentication/LocalAuthentication.h>
#import <Security/Security.h>

namespace liaison::platform {

namespace {

NSString *const kService = @"eu.liaison.app.quick-unlock";

NSMutableDictionary *itemQuery(const QString &name)
{
    return [NSMutableDictionary dictionaryWithDictionary:@{
        (__bridge id)kSecClass : (__bridge id)kSecClassGenericPassword,
        (__bridge id)kSecAttrService : kService,
        (__bridge id)kSecAttrAccount : name.toNSString(),
    }];
}

template <typename F> void onQtThread(F f)
{
    QMetaObject::invokeMethod(QCoreApplication::instance(), std::move(f), Qt::QueuedConnection);
}

class KeychainQuickUnlockStore final : public QuickUnlockStore
{
public:
    [[nodiscard]] bool available() const override
    {
        @autoreleasepool {
            LAContext *context = [[LAContext alloc] init];
            return [context canEvaluatePolicy:LAPolicyDeviceOwnerAuthenticationWithBiometrics
                                        error:nil];
        }
    }
    [[nodiscard]] QString description() const override
    {
        return QStringLiteral("iOS Keychain item behind Face ID / Touch ID (this device only)");
    }
    void enrol(const QString &name, crypto::SecretBytes secret, const QString &,
               Done done) override
    {
        Outcome outcome = Outcome::Unavailable;
        @autoreleasepool {
            CFErrorRef error = nullptr;
            SecAccessControlRef access = SecAccessControlCreateWithFlags(
                kCFAllocatorDefault, kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly,
                kSecAccessControlBiometryCurrentSet, &error);
            if (access) {
                SecItemDelete((__bridge CFDictionaryRef)itemQuery(name));
                NSMutableDictionary *add = itemQuery(name);
                add[(__bridge id)kSecAttrAccessControl] = (__bridge id)access;
                add[(__bridge id)kSecValueData] = [NSData dataWithBytes:secret.data()
                                                                  length:secret.size()];
                const OSStatus status = SecItemAdd((__bridge CFDictionaryRef)add, nullptr);
                outcome = status == errSecSuccess ? Outcome::Ok : Outcome::Failed;
                CFRelease(access);
            } else if (error) {
                CFRelease(error);
            }
        }
        secret.wipe();
        onQtThread([done = std::move(done), outcome] { done(outcome); });
    }
    void release(const QString &name, const QString &reason, Released done) override
    {
        NSMutableDictionary *query = itemQuery(name);
        LAContext *context = [[LAContext alloc] init];
        context.localizedReason = reason.toNSString();
        context.localizedCancelTitle =
            QCoreApplication::translate("QuickUnlock", "Use passphrase").toNSString();
        query[(__bridge id)kSecReturnData] = @YES;
        query[(__bridge id)kSecMatchLimit] = (__bridge id)kSecMatchLimitOne;
        query[(__bridge id)kSecUseAuthenticationContext] = context;
        auto shared = std::make_shared<Released>(std::move(done));
        dispatch_async(dispatch_get_global_queue(QOS_CLASS_USER_INITIATED, 0), ^{
            @autoreleasepool {
                CFTypeRef result = nullptr;
                const OSStatus status =
                    SecItemCopyMatching((__bridge CFDictionaryRef)query, &result);
                auto secret = std::make_shared<crypto::SecretBytes>();
                Outcome outcome = Outcome::Failed;
                if (status == errSecSuccess && result) {
                    CFDataRef data = static_cast<CFDataRef>(result);
                    *secret = crypto::SecretBytes::copyOf(
                        QByteArrayView(reinterpret_cast<const char *>(CFDataGetBytePtr(data)),
                                       CFDataGetLength(data)));
                    crypto::memzero(const_cast<UInt8 *>(CFDataGetBytePtr(data)),
                                    std::size_t(CFDataGetLength(data)));
                    outcome = Outcome::Ok;
                } else if (status == errSecUserCanceled) {
                    outcome = Outcome::Cancelled;
                } else if (status == errSecItemNotFound) {
                    // Biometrics changed (biometryCurrentSet) or never stored: gone for good.
                    outcome = Outcome::Invalidated;
                }
                if (result)
                    CFRelease(result);
                onQtThread([shared, outcome, secret] { (*shared)(outcome, std::move(*secret)); });
            }
        });
    }
    void forget(const QString &name) override
    {
        @autoreleasepool {
            SecItemDelete((__bridge CFDictionaryRef)itemQuery(name));
        }
    }
};

} // namespace

std::unique_ptr<QuickUnlockStore> createQuickUnlockStore()
{
    return std::make_unique<KeychainQuickUnlockStore>();
}

} // namespace liaison::platform
