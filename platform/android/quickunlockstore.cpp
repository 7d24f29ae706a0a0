// createQuickUnlockStore() on Android (platform/quickunlock.h): the JNI half of
// src/eu/liaison/app/QuickUnlock.java, which holds the Keystore key and shows BiometricPrompt.
// Java calls back on the Android UI thread; the answer is queued to the Qt thread that asked.
// The secret crosses JNI in a byte[] that the Java side zeroes after use; here it goes straight
// into SecretBytes and the JNI copy is zeroed too.

#include "quickunlock.h"

#include <QCoreApplication>
#include <QHash>
#include <QJniEnvironment>
#include <QJniObject>
#include <QMutex>
#include <QPointer>

#include <atomic>

namespace liaison::platform {

namespace {

constexpr char kClass[] = "eu/liaison/app/QuickUnlock";

struct Pending
{
    QuickUnlockStore::Done enrolled;
    QuickUnlockStore::Released released;
};

QMutex g_mutex;
QHash<jlong, Pending> g_pending;
std::atomic<jlong> g_next{1};

QuickUnlockStore::Outcome outcomeOf(jint v)
{
    switch (v) {
    case 0:
        return QuickUnlockStore::Outcome::Ok;
    case 1:
        return QuickUnlockStore::Outcome::Cancelled;
    case 3:
        return QuickUnlockStore::Outcome::Invalidated;
    case 4:
        return QuickUnlockStore::Outcome::Unavailable;
    default:
        return QuickUnlockStore::Outcome::Failed;
    }
}

Pending take(jlong handle)
{
    QMutexLocker lock(&g_mutex);
    return g_pending.take(handle);
}

void JNICALL onEnrolled(JNIEnv *, jclass, jlong handle, jint outcome)
{
    Pending p = take(handle);
    if (!p.enrolled)
        return;
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [done = std::move(p.enrolled), o = outcomeOf(outcome)] { done(o); }, Qt::QueuedConnection);
}

void JNICALL onReleased(JNIEnv *env, jclass, jlong handle, jint outcome, jbyteArray secret)
{
    Pending p = take(handle);
    crypto::SecretBytes bytes;
    if (secret) {
        const jsize n = env->GetArrayLength(secret);
        bytes = crypto::SecretBytes(std::size_t(n));
        env->GetByteArrayRegion(secret, 0, n, reinterpret_cast<jbyte *>(bytes.data()));
    }
    if (!p.released)
        return;
    auto shared = std::make_shared<crypto::SecretBytes>(std::move(bytes));
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [done = std::move(p.released), o = outcomeOf(outcome), shared] {
            done(o, std::move(*shared));
        },
        Qt::QueuedConnection);
}

bool registerNatives()
{
    static const bool ok = [] {
        const JNINativeMethod methods[] = {
            {"onEnrolled", "(JI)V", reinterpret_cast<void *>(onEnrolled)},
            {"onReleased", "(JI[B)V", reinterpret_cast<void *>(onReleased)},
        };
        QJniEnvironment env;
        return env.registerNativeMethods(kClass, methods, 2);
    }();
    return ok;
}

QJniObject activity()
{
    return QJniObject(QNativeInterface::QAndroidApplication::context());
}

class AndroidQuickUnlockStore final : public QuickUnlockStore
{
public:
    [[nodiscard]] bool available() const override
    {
        return registerNatives() && QJniObject::callStaticMethod<jboolean>(
                                        kClass, "available", "(Landroid/content/Context;)Z",
                                        activity().object()) != JNI_FALSE;
    }
    [[nodiscard]] QString description() const override
    {
        return QStringLiteral("Android Keystore key behind BiometricPrompt (strong biometrics)");
    }
    void enrol(const QString &name, crypto::SecretBytes secret, const QString &reason,
               Done done) override
    {
        if (!registerNatives())
            return fail(std::move(done));
        const jlong handle = g_next++;
        {
            QMutexLocker lock(&g_mutex);
            g_pending.insert(handle, Pending{std::move(done), {}});
        }
        QJniEnvironment env;
        jbyteArray bytes = env->NewByteArray(jsize(secret.size()));
        env->SetByteArrayRegion(bytes, 0, jsize(secret.size()),
                                reinterpret_cast<const jbyte *>(secret.data()));
        secret.wipe();
        QJniObject::callStaticMethod<void>(
            kClass, "enrol",
            "(Landroid/app/Activity;JLjava/lang/String;[BLjava/lang/String;Ljava/lang/String;"
            "Ljava/lang/String;)V",
            activity().object(), handle, QJniObject::fromString(name).object(), bytes,
            QJniObject::fromString(QCoreApplication::translate("QuickUnlock", "Quick unlock"))
                .object(),
            QJniObject::fromString(reason).object(),
            QJniObject::fromString(QCoreApplication::translate("QuickUnlock", "Cancel")).object());
        env->DeleteLocalRef(bytes); // Java zeroed its array after use
    }
    void release(const QString &name, const QString &reason, Released done) override
    {
        if (!registerNatives()) {
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [done = std::move(done)] { done(Outcome::Unavailable, crypto::SecretBytes()); },
                Qt::QueuedConnection);
            return;
        }
        const jlong handle = g_next++;
        {
            QMutexLocker lock(&g_mutex);
            g_pending.insert(handle, Pending{{}, std::move(done)});
        }
        QJniObject::callStaticMethod<void>(
            kClass, "release",
            "(Landroid/app/Activity;JLjava/lang/String;Ljava/lang/String;Ljava/lang/String;"
            "Ljava/lang/String;)V",
            activity().object(), handle, QJniObject::fromString(name).object(),
            QJniObject::fromString(QCoreApplication::translate("QuickUnlock", "Unlock Liaison"))
                .object(),
            QJniObject::fromString(reason).object(),
            QJniObject::fromString(QCoreApplication::translate("QuickUnlock", "Use passphrase"))
                .object());
    }
    void forget(const QString &name) override
    {
        QJniObject::callStaticMethod<void>(
            kClass, "forget", "(Landroid/content/Context;Ljava/lang/String;)V", activity().object(),
            QJniObject::fromString(name).object());
    }

private:
    static void fail(Done done)
    {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [done = std::move(done)] { done(Outcome::Unavailable); },
            Qt::QueuedConnection);
    }
};

} // namespace

std::unique_ptr<QuickUnlockStore> createQuickUnlockStore()
{
    return std::make_unique<AndroidQuickUnlockStore>();
}

} // namespace liaison::platform
