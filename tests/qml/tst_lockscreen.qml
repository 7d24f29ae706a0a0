import QtQuick
import QtTest
import Liaison
import LiaisonTest

// The lock screen of the whole window over the directorate demo records: after lock it shows
// nothing of the records, but offers HQ's 24/7 duty number, which dials (tel:) without unlocking.
Item {
    id: stage
    width: 1280
    height: 892

    TestCase {
        id: testCase
        name: "LockScreen"
        when: windowShown

        Component {
            id: windowComponent
            Main {}
        }

        // The texts of every visible item under `item` (labels, buttons, fields, placeholders).
        function visibleTexts(item, out) {
            if (!item || !item.visible)
                return out
            if (typeof item.text === "string" && item.text.length > 0)
                out.push(item.text)
            if (typeof item.placeholderText === "string" && item.placeholderText.length > 0)
                out.push(item.placeholderText)
            for (let i = 0; i < item.children.length; ++i)
                visibleTexts(item.children[i], out)
            return out
        }

        function test_lock_screen_shows_no_record_data_but_offers_the_duty_number() {
            verify(Fixture.reset(true, true))
            const app = Fixture.app
            const canaries = Fixture.recordTexts(8)
            verify(canaries.length > 30, "record texts to look for: " + canaries.length)
            verify(canaries.indexOf("Permanent service (24/7)") >= 0)
            compare(app.dutyNumber, "+420 974 834 210")

            const window = createTemporaryObject(windowComponent, stage, { app: app })
            verify(window)
            const loader = findChild(window.contentItem, "contentLoader")
            tryVerify(() => loader.item !== null && loader.item.objectName === "mainPage")
            // Unlocked, the records are on screen (the scan below can see them).
            tryVerify(() => visibleTexts(window.contentItem, []).some(t => canaries.indexOf(t) >= 0))

            app.vault.lock()
            tryVerify(() => loader.item !== null && loader.item.objectName === "unlockPage")
            waitForRendering(window.contentItem)
            const shown = visibleTexts(window.contentItem, [])
            verify(shown.length > 3, "texts on the lock screen: " + shown.length)
            for (const text of shown) {
                for (const canary of canaries)
                    verify(text.indexOf(canary) < 0, "record text on the lock screen: " + canary)
            }

            const button = findChild(loader.item, "emergencyCallButton")
            verify(button)
            verify(button.visible)
            verify(button.text.indexOf("+420 974 834 210") >= 0, button.text)
            compare(Fixture.openedUrls().length, 0)
            mouseClick(button)
            compare(Fixture.openedUrls(), ["tel:+420974834210"])
            compare(app.vault.state, VaultController.Locked)
            verify(loader.item.objectName === "unlockPage")
            window.close()
        }

        function test_no_duty_number_no_button() {
            verify(Fixture.reset(true, false))
            const app = Fixture.app
            compare(app.dutyNumber, "")
            app.vault.lock()
            const window = createTemporaryObject(windowComponent, stage, { app: app })
            const loader = findChild(window.contentItem, "contentLoader")
            tryVerify(() => loader.item !== null && loader.item.objectName === "unlockPage")
            const button = findChild(loader.item, "emergencyCallButton")
            verify(button)
            verify(!button.visible)
            window.close()
        }
    }
}
