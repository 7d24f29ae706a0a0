// platform/lifecycle.h on the desktop: GuiLifecycle follows QGuiApplication's state (a focus
// change is not the background; Hidden/Suspended are, and coming back is reported once), and
// protectWindow() is a no-op that leaves the window as it was.

#include "guilifecycle.h"
#include "lifecycle.h"
#include "testmain.h"

#include <QGuiApplication>
#include <QSignalSpy>
#include <QTest>
#include <QWindow>

using namespace liaison;
using platform::GuiLifecycle;

class TestLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void backgroundIsHiddenOrSuspended()
    {
        QVERIFY(GuiLifecycle::isForegroundState(Qt::ApplicationActive));
        QVERIFY(GuiLifecycle::isForegroundState(Qt::ApplicationInactive));
        QVERIFY(!GuiLifecycle::isForegroundState(Qt::ApplicationHidden));
        QVERIFY(!GuiLifecycle::isForegroundState(Qt::ApplicationSuspended));
    }

    void focusChangesStayInTheForeground()
    {
        auto lifecycle = platform::createLifecycle();
        QVERIFY(lifecycle->isForeground());
        QSignalSpy background(lifecycle.get(), &platform::Lifecycle::wentToBackground);
        QSignalSpy foreground(lifecycle.get(), &platform::Lifecycle::cameToForeground);
        {
            // The offscreen platform has no application state of its own: Qt derives it from the
            // focus window, as on a desktop.
            QWindow window;
            window.resize(200, 100);
            window.show();
            window.requestActivate();
            QTRY_COMPARE(QGuiApplication::applicationState(), Qt::ApplicationActive);
            QVERIFY(lifecycle->isForeground());
        }
        QTest::qWait(200);
        QVERIFY(lifecycle->isForeground());
        QCOMPARE(background.count(), 0);
        QCOMPARE(foreground.count(), 0);
    }

    void suspendedIsTheBackgroundOnce()
    {
        auto lifecycle = platform::createLifecycle();
        QSignalSpy background(lifecycle.get(), &platform::Lifecycle::wentToBackground);
        QSignalSpy foreground(lifecycle.get(), &platform::Lifecycle::cameToForeground);
        // What Qt emits on Android's onStop and iOS's didEnterBackground (the offscreen platform
        // cannot be suspended, so the test sends Qt's own signal with Qt's own states).
        Q_EMIT qGuiApp->applicationStateChanged(Qt::ApplicationSuspended);
        QCOMPARE(background.count(), 1);
        QVERIFY(!lifecycle->isForeground());
        Q_EMIT qGuiApp->applicationStateChanged(Qt::ApplicationHidden);
        QCOMPARE(background.count(), 1); // still the same stay in the background
        Q_EMIT qGuiApp->applicationStateChanged(Qt::ApplicationInactive);
        QCOMPARE(foreground.count(), 1);
        QVERIFY(lifecycle->isForeground());
        Q_EMIT qGuiApp->applicationStateChanged(Qt::ApplicationActive);
        QCOMPARE(foreground.count(), 1);
        QCOMPARE(background.count(), 1);
    }

    void protectWindowLeavesADesktopWindowAlone()
    {
        platform::protectWindow(nullptr);
        QWindow window;
        window.setFlags(Qt::Window);
        window.resize(200, 100);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const Qt::WindowFlags flags = window.flags();
        platform::protectWindow(&window);
        QCOMPARE(window.flags(), flags);
        QVERIFY(window.isVisible());
        QVERIFY(window.isExposed());
    }
};

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    TestLifecycle tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}
#include "tst_lifecycle.moc"
