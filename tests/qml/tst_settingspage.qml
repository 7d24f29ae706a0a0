import QtQuick
import QtTest
import Liaison
import LiaisonTest

// Settings and HQ's policy over a real vault (test Argon2id profile, manual clocks): the policy's
// auto-lock ceiling caps the officer's choice and locks the app in time; its erase-after count
// reaches the key file at the next unlock and erases after that many wrong passphrases; a call
// placed from the app does not lock it; the passphrase changes; "wipe this device" asks for the
// passphrase; the lock screen's passphrase has a show toggle.
Item {
    id: stage
    width: 1280
    height: 1000

    TestCase {
        id: testCase
        name: "SettingsPage"
        when: windowShown

        Component {
            id: pageComponent
            SettingsPage {
                width: 412
                height: 1000
            }
        }
        Component {
            id: unlockComponent
            UnlockPage {
                width: 412
                height: 900
            }
        }

        function createPage() {
            const page = createTemporaryObject(pageComponent, stage, { app: Fixture.app })
            verify(page, "page created")
            return page
        }

        function unlockWith(passphrase) {
            Fixture.app.vault.unlock(passphrase)
            Fixture.waitForVault()
        }

        // The app was started with a lenient 10 min; HQ's policy says at most 2 min.
        function test_hq_policy_caps_the_auto_lock() {
            verify(Fixture.reset(true, true, 600000))
            compare(Fixture.app.autoLockSeconds, 600)
            verify(Fixture.setHqPolicy(120, 5))
            compare(Fixture.app.autoLockSeconds, 120)
            compare(Fixture.app.autoLockCeilingSeconds, 120)
            compare(Fixture.app.autoLockChoices, [30, 60, 120])
            const page = createPage()
            verify(findChild(page, "autoLock120").checked)
            verify(!findChild(page, "autoLock600"), "no choice above HQ's ceiling")
            verify(!Fixture.app.setAutoLockSeconds(600), "refused above the ceiling")
            verify(findChild(page, "policyText").text.indexOf("5 wrong passphrases") >= 0)

            Fixture.setApplicationState(Qt.ApplicationHidden)
            Fixture.advance(121000)
            Fixture.setApplicationState(Qt.ApplicationActive)
            compare(Fixture.app.vault.state, VaultController.Locked, "locked after HQ's 2 min")
        }

        function test_officer_choice_within_the_ceiling() {
            verify(Fixture.reset(true, true, 600000))
            verify(Fixture.setHqPolicy(300, 0))
            const page = createPage()
            mouseClick(findChild(page, "autoLock60"))
            compare(Fixture.app.autoLockSeconds, 60)
            Fixture.setApplicationState(Qt.ApplicationHidden)
            Fixture.advance(61000)
            Fixture.setApplicationState(Qt.ApplicationActive)
            compare(Fixture.app.vault.state, VaultController.Locked)
            // Kept in the vault: after the unlock the choice is still 60 s.
            unlockWith(Fixture.passphrase)
            tryCompare(Fixture.app, "autoLockSeconds", 60, 3000)
        }

        function test_hq_policy_erases_after_its_count() {
            verify(Fixture.reset(true, true))
            const vault = Fixture.app.vault
            vault.lock()
            compare(vault.attemptsBeforeErase, 10, "the vault's own count before HQ's policy")
            unlockWith(Fixture.passphrase)
            verify(Fixture.setHqPolicy(120, 5))
            // Applied at the next unlock, while the passphrase is at hand.
            vault.lock()
            unlockWith(Fixture.passphrase)
            compare(vault.state, VaultController.Unlocked)
            vault.lock()
            compare(vault.attemptsBeforeErase, 5)
            for (let i = 1; i <= 4; ++i) {
                unlockWith(Fixture.wrongPassphrase)
                compare(vault.state, VaultController.Locked, "attempt " + i)
            }
            unlockWith(Fixture.wrongPassphrase)
            compare(vault.state, VaultController.Erased, "erased at HQ's 5th wrong passphrase")
        }

        function test_a_call_placed_from_the_app_does_not_lock_it() {
            verify(Fixture.reset(true, true, 60000))
            verify(Fixture.app.dutyNumber.length > 0)
            verify(Fixture.app.callDutyNumber())
            Fixture.advance(1000)
            Fixture.setApplicationState(Qt.ApplicationHidden)
            Fixture.advance(10 * 60000) // a ten-minute call
            Fixture.setApplicationState(Qt.ApplicationActive)
            compare(Fixture.app.vault.state, VaultController.Unlocked, "not locked by our own call")
            // Any other trip to the background locks after the delay as before.
            Fixture.setApplicationState(Qt.ApplicationHidden)
            Fixture.advance(61000)
            Fixture.setApplicationState(Qt.ApplicationActive)
            compare(Fixture.app.vault.state, VaultController.Locked)
        }

        function test_change_passphrase_then_unlock_with_the_new_one() {
            verify(Fixture.reset(true, true))
            const page = createPage()
            const next = "harbour violin copper meadow ember"
            findChild(page, "currentPassphraseField").text = Fixture.wrongPassphrase
            findChild(page, "nextPassphraseField").text = next
            findChild(page, "repeatPassphraseField").text = next
            mouseClick(findChild(page, "changePassphraseButton"))
            const message = findChild(page, "vaultMessage")
            tryVerify(() => message.text.indexOf("current passphrase is wrong") >= 0, 10000, message.text)
            compare(Fixture.app.vault.state, VaultController.Unlocked)

            findChild(page, "currentPassphraseField").text = Fixture.passphrase
            findChild(page, "nextPassphraseField").text = next
            findChild(page, "repeatPassphraseField").text = next
            mouseClick(findChild(page, "changePassphraseButton"))
            compare(findChild(page, "currentPassphraseField").text, "", "fields cleared")
            tryVerify(() => message.text === "Passphrase changed.", 10000, message.text)
            Fixture.app.vault.lock()
            unlockWith(Fixture.passphrase)
            compare(Fixture.app.vault.state, VaultController.Locked, "the old one no longer opens it")
            unlockWith(next)
            compare(Fixture.app.vault.state, VaultController.Unlocked)
        }

        function test_fingerprint_and_wipe_with_the_passphrase() {
            verify(Fixture.reset(true, true))
            const page = createPage()
            const fingerprint = findChild(page, "deviceFingerprint")
            verify(/Key( [0-9a-f]{4}){8}/.test(fingerprint.text), fingerprint.text)
            verify(Fixture.app.dutyNumber.length > 0)

            findChild(page, "wipePassphraseField").text = Fixture.wrongPassphrase
            // (clicked() directly: the home time zone above put the button below the fold)
            findChild(page, "wipeButton").clicked()
            const message = findChild(page, "vaultMessage")
            tryVerify(() => message.text.indexOf("nothing was erased") >= 0, 10000, message.text)
            compare(Fixture.app.vault.state, VaultController.Unlocked)

            findChild(page, "wipePassphraseField").text = Fixture.passphrase
            // (clicked() directly: the message above moved the button below the fold)
            findChild(page, "wipeButton").clicked()
            tryCompare(Fixture.app.vault, "state", VaultController.Erased, 10000)
            compare(Fixture.app.dutyNumber, "", "the duty number beside the vault is gone too")
            compare(Fixture.app.contacts.count, 0)
        }

        function test_lock_screen_passphrase_show_toggle() {
            verify(Fixture.reset(true, false))
            Fixture.app.vault.lock()
            const page = createTemporaryObject(unlockComponent, stage, { vault: Fixture.app.vault })
            const field = findChild(page, "unlockPassphraseField")
            const toggle = findChild(page, "showUnlockPassphrase")
            verify(field && toggle)
            compare(field.echoMode, TextInput.Password)
            mouseClick(toggle)
            compare(field.echoMode, TextInput.Normal)
            mouseClick(toggle)
            compare(field.echoMode, TextInput.Password)
        }
    }
}
