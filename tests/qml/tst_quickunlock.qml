import QtQuick
import QtTest
import Liaison
import LiaisonTest

// Quick unlock (issue 11 "Getting back in quickly") over the real vault and VaultController,
// with the platform's biometric store scripted (Fixture.setQuickUnlock: no phone key store runs
// here). Settings turns it on with the passphrase; the lock screen shows its button only where
// the platform has it and it is on; a cancelled or failed prompt falls back to the passphrase;
// three failures, the end of the 12 h window, a passphrase change or a wipe leave only the
// passphrase, and the old quick secret opens nothing.
Item {
    id: stage
    width: 1280
    height: 2400

    TestCase {
        id: testCase
        name: "QuickUnlock"
        when: windowShown

        readonly property string nextPassphrase: "velvet quarry Ostrava 7 kettles"

        Component {
            id: settingsComponent
            SettingsPage {
                width: 412
                height: 2400
            }
        }
        Component {
            id: unlockComponent
            UnlockPage {
                x: 420
                width: 412
                height: 900
            }
        }

        function settingsPage() {
            const page = createTemporaryObject(settingsComponent, stage, { app: Fixture.app })
            verify(page, "settings page")
            return page
        }

        function lockPage() {
            const page = createTemporaryObject(unlockComponent, stage, { vault: Fixture.app.vault })
            verify(page, "unlock page")
            return page
        }

        function enableWith(page, passphrase) {
            const field = findChild(page, "quickUnlockPassphraseField")
            verify(field && field.visible, "the passphrase is asked for")
            field.text = passphrase
            mouseClick(findChild(page, "quickUnlockEnableButton"))
            Fixture.waitForVault()
        }

        function lockNow() {
            Fixture.app.vault.lock()
            compare(Fixture.app.vault.state, VaultController.Locked)
        }

        // The app comes back to the foreground: the lock screen looks at the vault again.
        function returnToForeground() {
            Fixture.setApplicationState(Qt.ApplicationHidden)
            Fixture.setApplicationState(Qt.ApplicationActive)
        }

        function unlockQuickly(page) {
            const button = findChild(page, "quickUnlockButton")
            verify(button.visible, "quick unlock offered")
            mouseClick(button)
        }

        function test_button_only_when_available_and_enabled() {
            verify(Fixture.reset(true, true))
            Fixture.setQuickUnlock(false)
            const settings = settingsPage()
            verify(!findChild(settings, "quickUnlockPane").visible, "no biometrics: not offered")
            compare(Fixture.app.vault.quickUnlockAvailable, false)

            Fixture.setQuickUnlock(true)
            verify(findChild(settings, "quickUnlockPane").visible)
            // A wrong passphrase turns nothing on (and counts).
            enableWith(settings, Fixture.wrongPassphrase)
            verify(!Fixture.app.vault.quickUnlockEnabled)
            compare(Fixture.quickUnlockItems(), 0)
            compare(Fixture.app.vault.failureCount, 1)

            lockNow()
            const lock = lockPage()
            verify(!findChild(lock, "quickUnlockButton").visible, "available but not turned on")
            Fixture.app.vault.unlock(Fixture.passphrase)
            Fixture.waitForVault()
            compare(Fixture.app.vault.state, VaultController.Unlocked)

            enableWith(settings, Fixture.passphrase)
            tryVerify(() => Fixture.app.vault.quickUnlockEnabled, 3000)
            compare(Fixture.quickUnlockItems(), 1)
            verify(findChild(settings, "quickUnlockDisableButton").visible)
            lockNow()
            verify(findChild(lock, "quickUnlockButton").visible, "available and on: offered")

            // The platform loses its biometrics: the button goes.
            Fixture.setQuickUnlock(false)
            verify(!findChild(lock, "quickUnlockButton").visible)
            Fixture.setQuickUnlock(true)
            unlockQuickly(lock)
            tryCompare(Fixture.app.vault, "state", VaultController.Unlocked, 5000)
            compare(Fixture.app.vault.failureCount, 0, "the earlier wrong passphrase was reset by the passphrase unlock")
        }

        function test_cancelled_or_failed_prompt_falls_back_to_the_passphrase() {
            verify(Fixture.reset(true, true))
            Fixture.setQuickUnlock(true)
            enableWith(settingsPage(), Fixture.passphrase)
            tryVerify(() => Fixture.app.vault.quickUnlockEnabled, 3000)
            lockNow()
            const lock = lockPage()

            Fixture.setQuickUnlock(true, "cancel")
            unlockQuickly(lock)
            tryVerify(() => findChild(lock, "unlockMessage").text.indexOf("Enter your passphrase") >= 0, 3000)
            compare(Fixture.app.vault.state, VaultController.Locked)
            verify(findChild(lock, "quickUnlockButton").visible, "a cancel is not a failure")
            verify(findChild(lock, "unlockPassphraseField").visible)

            Fixture.setQuickUnlock(true, "fail")
            for (let i = 0; i < 2; ++i) {
                unlockQuickly(lock) // the button hides while the prompt is up
                tryVerify(() => findChild(lock, "quickUnlockButton").visible
                          && Fixture.app.vault.message.indexOf("Try again") >= 0, 3000)
                compare(Fixture.app.vault.state, VaultController.Locked)
            }
            unlockQuickly(lock)
            tryVerify(() => Fixture.app.vault.message.indexOf("quick unlock is off until then") >= 0, 3000)
            compare(Fixture.app.vault.state, VaultController.Locked)
            verify(!findChild(lock, "quickUnlockButton").visible, "three failures: passphrase only")
            compare(Fixture.app.vault.failureCount, 0, "biometric failures are not passphrase failures")
            const prompts = Fixture.quickUnlockPrompts()
            Fixture.app.vault.quickUnlock()
            wait(50)
            compare(Fixture.quickUnlockPrompts(), prompts, "no prompt once closed")

            // The passphrase opens it and quick unlock comes back.
            Fixture.app.vault.unlock(Fixture.passphrase)
            Fixture.waitForVault()
            compare(Fixture.app.vault.state, VaultController.Unlocked)
            lockNow()
            Fixture.setQuickUnlock(true, "ok")
            unlockQuickly(lock)
            tryCompare(Fixture.app.vault, "state", VaultController.Unlocked, 5000)
        }

        function test_outside_the_window_the_passphrase_is_required() {
            verify(Fixture.reset(true, true))
            Fixture.setQuickUnlock(true)
            enableWith(settingsPage(), Fixture.passphrase)
            tryVerify(() => Fixture.app.vault.quickUnlockEnabled, 3000)
            lockNow()
            const lock = lockPage()
            Fixture.advance(11 * 3600 * 1000)
            returnToForeground()
            verify(findChild(lock, "quickUnlockButton").visible, "inside 12 h")
            unlockQuickly(lock)
            tryCompare(Fixture.app.vault, "state", VaultController.Unlocked, 5000)
            lockNow()
            // A quick unlock does not extend the window.
            Fixture.advance(2 * 3600 * 1000)
            returnToForeground()
            verify(!findChild(lock, "quickUnlockButton").visible, "13 h after the passphrase")
            const prompts = Fixture.quickUnlockPrompts()
            Fixture.app.vault.quickUnlock()
            wait(50)
            compare(Fixture.quickUnlockPrompts(), prompts)
            compare(Fixture.app.vault.state, VaultController.Locked)
            Fixture.app.vault.unlock(Fixture.passphrase)
            Fixture.waitForVault()
            compare(Fixture.app.vault.state, VaultController.Unlocked)
            // The passphrase starts the window again.
            lockNow()
            verify(findChild(lock, "quickUnlockButton").visible)
        }

        function test_passphrase_change_and_wipe_drop_it() {
            verify(Fixture.reset(true, true))
            Fixture.setQuickUnlock(true)
            const settings = settingsPage()
            enableWith(settings, Fixture.passphrase)
            tryVerify(() => Fixture.app.vault.quickUnlockEnabled, 3000)

            Fixture.app.vault.changePassphrase(Fixture.passphrase, nextPassphrase, nextPassphrase)
            Fixture.waitForVault()
            verify(Fixture.app.vault.message.indexOf("Passphrase changed") >= 0, Fixture.app.vault.message)
            verify(!Fixture.app.vault.quickUnlockEnabled, "off after the change")
            compare(Fixture.quickUnlockItems(), 0, "the platform's item is forgotten")
            lockNow()
            const lock = lockPage()
            verify(!findChild(lock, "quickUnlockButton").visible)
            verify(Fixture.unlockWithKeptQuickSecret() !== "ok", "the old secret opens nothing")
            compare(Fixture.app.vault.state, VaultController.Locked)

            Fixture.app.vault.unlock(nextPassphrase)
            Fixture.waitForVault()
            compare(Fixture.app.vault.state, VaultController.Unlocked)
            enableWith(settings, nextPassphrase)
            tryVerify(() => Fixture.app.vault.quickUnlockEnabled, 3000)
            compare(Fixture.quickUnlockItems(), 1)
            Fixture.app.vault.wipeWithPassphrase(nextPassphrase)
            Fixture.waitForVault()
            compare(Fixture.app.vault.state, VaultController.Erased)
            compare(Fixture.quickUnlockItems(), 0, "wiped: the platform's item is forgotten")
            verify(Fixture.unlockWithKeptQuickSecret() !== "ok", "the wiped vault's secret opens nothing")
        }

        function test_new_biometrics_invalidate_it() {
            verify(Fixture.reset(true, true))
            Fixture.setQuickUnlock(true)
            enableWith(settingsPage(), Fixture.passphrase)
            tryVerify(() => Fixture.app.vault.quickUnlockEnabled, 3000)
            lockNow()
            const lock = lockPage()
            Fixture.setQuickUnlock(true, "invalidated")
            unlockQuickly(lock)
            tryVerify(() => findChild(lock, "unlockMessage").text.indexOf("biometrics on this device changed") >= 0, 3000)
            verify(!Fixture.app.vault.quickUnlockEnabled)
            verify(!findChild(lock, "quickUnlockButton").visible)
            compare(Fixture.app.vault.state, VaultController.Locked)
        }
    }
}
