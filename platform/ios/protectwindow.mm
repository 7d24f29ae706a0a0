// protectWindow() on iOS (platform/lifecycle.h): a cover view over the window whenever the app
// resigns active (the app switcher's snapshot is taken then) and while the screen is being
// recorded or mirrored (UIScreen.isCaptured). iOS has no FLAG_SECURE: a screenshot taken in the
// foreground cannot be blocked, only noticed.

#include "lifecycle.h"

#include <QList>
#include <QPointer>
#include <QWindow>

#import <UIKit/UIKit.h>

namespace liaison::platform {

namespace {

QList<QPointer<QWindow>> &protectedWindows()
{
    static QList<QPointer<QWindow>> windows;
    return windows;
}

constexpr NSInteger kCoverTag = 0x4C494153; // "LIAS"

void cover(bool on)
{
    for (const QPointer<QWindow> &w : std::as_const(protectedWindows())) {
        if (!w)
            continue;
        UIView *view = reinterpret_cast<UIView *>(w->winId());
        UIWindow *uiWindow = view.window;
        if (!uiWindow)
            continue;
        UIView *existing = [uiWindow viewWithTag:kCoverTag];
        if (on && !existing) {
            UIView *shield = [[UIView alloc] initWithFrame:uiWindow.bounds];
            shield.tag = kCoverTag;
            shield.backgroundColor = UIColor.systemBackgroundColor;
            shield.autoresizingMask =
                UIViewAutoresizingFlexibleWidth | UIViewAutoresizingFlexibleHeight;
            [uiWindow addSubview:shield];
            [shield release];
        } else if (!on && existing) {
            [existing removeFromSuperview];
        }
    }
}

void installObservers()
{
    NSNotificationCenter *center = NSNotificationCenter.defaultCenter;
    NSOperationQueue *main = NSOperationQueue.mainQueue;
    [center addObserverForName:UIApplicationWillResignActiveNotification
                        object:nil
                         queue:main
                    usingBlock:^(NSNotification *) {
                      cover(true);
                    }];
    [center addObserverForName:UIApplicationDidBecomeActiveNotification
                        object:nil
                         queue:main
                    usingBlock:^(NSNotification *) {
                      cover(UIScreen.mainScreen.isCaptured);
                    }];
    [center addObserverForName:UIScreenCapturedDidChangeNotification
                        object:nil
                         queue:main
                    usingBlock:^(NSNotification *) {
                      cover(UIScreen.mainScreen.isCaptured);
                    }];
}

} // namespace

void protectWindow(QWindow *window)
{
    if (!window)
        return;
    static const bool installed = [] {
        installObservers();
        return true;
    }();
    Q_UNUSED(installed);
    protectedWindows().append(QPointer<QWindow>(window));
    cover(UIScreen.mainScreen.isCaptured);
}

} // namespace liaison::platform
