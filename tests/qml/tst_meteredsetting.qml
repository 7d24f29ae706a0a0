import QtQuick
import QtTest
import Liaison
import LiaisonTest

// Metered links (issue 11): Settings has "Defer bulk sync on metered networks", kept across a
// restart; the sync page says bulk sync is deferred (with what is not sent yet) only while the
// setting is on and the link is metered. The engine's side is tst_meteredsync.
Item {
    id: stage
    width: 1280
    height: 2400

    TestCase {
        id: testCase
        name: "MeteredSetting"
        when: windowShown

        Component {
            id: settingsComponent
            SettingsPage {
                width: 412
                height: 2400
            }
        }
        Component {
            id: syncComponent
            SyncPage {
                x: 420
                width: 412
                height: 900
                autoLockSeconds: 60
            }
        }

        function test_setting_and_deferred_notice() {
            verify(Fixture.reset(true, true))
            compare(Fixture.app.deferBulkOnMetered, false)
            const settings = createTemporaryObject(settingsComponent, stage, { app: Fixture.app })
            const toggle = findChild(settings, "deferBulkSwitch")
            verify(toggle, "the setting is on the page")
            verify(!toggle.checked)
            compare(toggle.Accessible.name, "Defer bulk sync on metered networks")
            const sync = createTemporaryObject(syncComponent, stage, { sync: Fixture.app.sync })
            const notice = findChild(sync, "bulkDeferredNotice")
            verify(notice)

            Fixture.setMetered(true)
            verify(!notice.visible, "setting off: nothing is deferred on a metered link")
            mouseClick(toggle)
            verify(Fixture.app.deferBulkOnMetered, "the switch sets it")
            verify(notice.visible, "setting on, metered link: the notice shows")
            verify(notice.text.indexOf("deferred") >= 0, notice.text)
            verify(notice.text.indexOf("not sent yet") < 0, "nothing waits: no count")

            // A report written now counts among what is not sent yet.
            verify(Fixture.app.reportActions.sendReport("metered link note", false, ""))
            tryVerify(() => Fixture.app.sync.pending > 0, 3000)
            verify(notice.text.indexOf("Changes not sent yet: 1.") >= 0, notice.text)

            Fixture.setMetered(false)
            verify(!notice.visible, "unmetered link: nothing is deferred")
            Fixture.setMetered(true)
            verify(notice.visible)

            // Kept in the settings file: after a restart the switch is still on.
            settings.destroy()
            sync.destroy()
            wait(0)
            Fixture.restartApp()
            verify(Fixture.app.deferBulkOnMetered, "kept across a restart")
            const again = createTemporaryObject(settingsComponent, stage, { app: Fixture.app })
            verify(findChild(again, "deferBulkSwitch").checked)
            verify(Fixture.app.sync.bulkDeferred, "and the link is still metered")
            mouseClick(findChild(again, "deferBulkSwitch"))
            verify(!Fixture.app.deferBulkOnMetered)
            verify(!Fixture.app.sync.bulkDeferred)
        }
    }
}
