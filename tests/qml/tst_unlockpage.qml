import QtQuick
import QtTest
import Liaison
import LiaisonTest

// The unlock and create-vault page over a real vault (test Argon2id profile, manual clocks).
Item {
    id: stage
    // TestCase itself is invisible: pages are created in this visible item so that
    // visibility and mouse clicks are real.
    width: 1280
    height: 892

    TestCase {
        id: testCase
        name: "UnlockPage"
        when: windowShown

        Component {
            id: pageComponent
            UnlockPage {
                width: 412
                height: 892
            }
        }

        function createPage() {
            const page = createTemporaryObject(pageComponent, stage, { vault: Fixture.app.vault })
            verify(page, "page created")
            return page
        }

        function type(field, text) {
            field.forceActiveFocus()
            for (let i = 0; i < text.length; ++i)
                keyClick(text[i])
        }

        function test_create_vault_with_strength_feedback() {
            verify(Fixture.reset(false, false))
            const vault = Fixture.app.vault
            compare(vault.state, VaultController.NoVault)
            const page = createPage()
            const first = findChild(page, "newPassphraseField")
            const second = findChild(page, "confirmPassphraseField")
            const button = findChild(page, "createButton")
            verify(first && second && button)

            type(first, "prague2026")
            compare(vault.passphraseAcceptable, false)
            verify(vault.passphraseReasons.length > 0)
            compare(button.enabled, false)

            first.text = Fixture.passphrase
            second.text = Fixture.passphrase
            compare(vault.passphraseAcceptable, true)
            verify(findChild(page, "strengthMeter").value > 0.5)
            compare(button.enabled, true)
            mouseClick(button)
            Fixture.waitForVault()
            tryCompare(vault, "state", VaultController.Unlocked, 5000)
        }

        function test_wrong_passphrase_clears_field_then_lockout_countdown() {
            verify(Fixture.reset(true, false))
            const vault = Fixture.app.vault
            vault.lock()
            compare(vault.state, VaultController.Locked)
            const page = createPage()

            for (let i = 1; i <= 5; ++i) {
                const field = findChild(page, "unlockPassphraseField")
                verify(field, "field at attempt " + i)
                type(field, Fixture.wrongPassphrase)
                mouseClick(findChild(page, "unlockButton"))
                compare(field.text, "", "the field is cleared at once")
                Fixture.waitForVault()
                tryCompare(vault, "busy", false, 5000)
                compare(vault.failureCount, i)
            }
            tryCompare(vault, "state", VaultController.LockedOut, 3000)
            const countdown = findChild(page, "lockoutCountdown")
            verify(countdown)
            compare(countdown.text, "1:00")
            Fixture.advance(30000)
            tryCompare(countdown, "text", "0:30", 3000)
            Fixture.advance(30000)
            tryCompare(vault, "state", VaultController.Locked, 3000)

            const field = findChild(page, "unlockPassphraseField")
            verify(field)
            field.text = Fixture.passphrase
            mouseClick(findChild(page, "unlockButton"))
            Fixture.waitForVault()
            tryCompare(vault, "state", VaultController.Unlocked, 5000)
            compare(vault.failureCount, 0)
        }

        // Issue 12: where the vault key's store is the software file (no key ring, no hardware
        // store), the page says so before the passphrase is typed and while the vault is made;
        // a key ring is not named weaker.
        function test_software_key_store_is_named_weaker() {
            verify(Fixture.reset(false, false))
            compare(Fixture.app.vault.keyStoreWeak, true)
            let page = createPage()
            let notice = findChild(page, "weakKeyStoreNotice")
            verify(notice, "a notice of the weaker key store on the create page")
            verify(notice.visible, "the notice is shown on the create page")
            verify(notice.text.indexOf("only your passphrase") >= 0, "it says what protects the vault: " + notice.text)

            verify(Fixture.reset(true, false))
            Fixture.app.vault.lock()
            compare(Fixture.app.vault.state, VaultController.Locked)
            page = createPage()
            notice = findChild(page, "weakKeyStoreNotice")
            verify(notice, "a notice of the weaker key store on the unlock page")
            verify(notice.visible, "the notice is shown on the unlock page")
        }

        function test_key_ring_is_not_named_weaker() {
            verify(Fixture.reset(true, false, 60000, true))
            compare(Fixture.app.vault.keyStoreWeak, false)
            Fixture.app.vault.lock()
            const page = createPage()
            const notice = findChild(page, "weakKeyStoreNotice")
            verify(notice, "the notice exists (hidden)")
            compare(notice.visible, false)
        }

        function test_empty_passphrase_cannot_be_submitted() {
            verify(Fixture.reset(true, false))
            Fixture.app.vault.lock()
            const page = createPage()
            compare(findChild(page, "unlockButton").enabled, false)
        }
    }
}
