// protectWindow() on Android (platform/lifecycle.h): FLAG_SECURE on the activity's window, so
// screenshots, screen recording, casting to an insecure display and the recent-apps thumbnail
// show nothing of the app. Qt has one activity and one Android window for all QWindows; the flag
// is set on the Android UI thread, as the Android API requires.

#include "lifecycle.h"

#include <QCoreApplication>
#include <QJniObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcProtect, "liaison.platform.protect")

namespace liaison::platform {

void protectWindow(QWindow *window)
{
    Q_UNUSED(window); // the flag belongs to the activity's window, shared by every QWindow
    QNativeInterface::QAndroidApplication::runOnAndroidMainThread([] {
        QJniObject activity(QNativeInterface::QAndroidApplication::context());
        if (!activity.isValid()) {
            qCWarning(lcProtect) << "no activity: FLAG_SECURE not set";
            return;
        }
        QJniObject androidWindow =
            activity.callObjectMethod("getWindow", "()Landroid/view/Window;");
        if (!androidWindow.isValid()) {
            qCWarning(lcProtect) << "no window: FLAG_SECURE not set";
            return;
        }
        const jint flagSecure = QJniObject::getStaticField<jint>(
            "android/view/WindowManager$LayoutParams", "FLAG_SECURE");
        androidWindow.callMethod<void>("setFlags", "(II)V", flagSecure, flagSecure);
        qCInfo(lcProtect) << "FLAG_SECURE set";
    });
}

} // namespace liaison::platform
