import QtQuick
import QtTest
import Liaison
import LiaisonTest

// The app in Czech (issue 11, "Languages"): the whole window is walked page by page, card by
// card, lock screen and enrolment included, and no visible text (labels, buttons, placeholders)
// may be one of the catalogue's English source texts; record data and names such as SIRENE are
// not in the catalogue, so they never count. The override in Settings switches back to English.
Item {
    id: stage
    width: 1400
    height: 1000

    TestCase {
        id: testCase
        name: "Czech"
        when: windowShown

        Component {
            id: windowComponent
            Main {}
        }

        property var patterns: []

        function collect(item, out) {
            if (!item || !item.visible)
                return out
            if (typeof item.text === "string" && item.text.length > 0)
                out.push(item.text)
            if (typeof item.placeholderText === "string" && item.placeholderText.length > 0)
                out.push(item.placeholderText)
            if (item.Accessible && typeof item.Accessible.name === "string" && item.Accessible.name.length > 0)
                out.push(item.Accessible.name)
            for (let i = 0; i < item.children.length; ++i)
                collect(item.children[i], out)
            return out
        }

        // The texts of `window` that are English source texts, with what was being looked at.
        function untranslated(window, where) {
            const texts = collect(window.contentItem, [])
            verify(texts.length > 5, where + ": texts found")
            const bad = []
            for (const text of texts) {
                for (const p of testCase.patterns) {
                    if (new RegExp(p).test(text)) {
                        bad.push(where + ": \"" + text + "\"")
                        break
                    }
                }
            }
            return bad
        }

        function initTestCase() {
            testCase.patterns = Fixture.untranslatedPatterns()
            verify(testCase.patterns.length > 200, "catalogue read: " + testCase.patterns.length)
        }

        function test_every_page_in_czech() {
            verify(Fixture.reset(true, true))
            verify(Fixture.setLanguage("cs"))
            compare(Fixture.app.effectiveLanguage, "cs")
            const window = createTemporaryObject(windowComponent, stage, { app: Fixture.app })
            verify(window)
            window.width = 412
            window.height = 915
            let bad = []
            const tabs = ["contacts", "cases", "instructions", "schedule", "reports"]
            for (const tab of tabs) {
                window.showPage(tab)
                wait(50)
                bad = bad.concat(untranslated(window, tab))
                if (tab !== "reports") {
                    window.openDetail(tab, 0)
                    wait(400) // the push transition
                    bad = bad.concat(untranslated(window, tab + " card"))
                    window.back()
                    wait(400)
                }
            }
            for (const page of ["sync", "settings"]) {
                window.showPage(page)
                wait(400)
                bad = bad.concat(untranslated(window, page))
                window.back()
                wait(400)
            }
            const all = collect(window.contentItem, [])
            verify(all.indexOf("Kontakty") >= 0, "the tab bar speaks Czech")

            // Tablet width: two panes.
            window.width = 1280
            window.height = 800
            window.openDetail("cases", 0)
            wait(400)
            bad = bad.concat(untranslated(window, "tablet cases"))

            Fixture.app.vault.lock()
            wait(100)
            bad = bad.concat(untranslated(window, "lock screen"))
            compare(bad, [], "English source texts shown in Czech")
        }

        // The phone's header holds the page title, the sync status, Settings and Lock. In Czech
        // the Lock button stays whole on the screen on every tab ("Zamkn" was cut at the edge).
        function test_phone_header_fits_in_czech() {
            verify(Fixture.reset(true, true))
            verify(Fixture.setLanguage("cs"))
            const window = createTemporaryObject(windowComponent, stage, { app: Fixture.app })
            verify(window)
            window.width = 412
            window.height = 915
            for (const tab of ["contacts", "cases", "instructions", "schedule", "reports"]) {
                window.showPage(tab)
                wait(50)
                // The longest kind of status (the layout must hold any): the binding is
                // replaced for this window only.
                const chip = findChild(window.contentItem, "syncChip")
                chip.text = "Synchronizace selhala, opakuje se · 12 čeká na odeslání"
                wait(20)
                const lock = findChild(window.contentItem, "lockButton")
                verify(lock && lock.visible, tab)
                const right = lock.mapToItem(window.contentItem, lock.width, 0).x
                verify(right <= window.width + 0.5,
                       tab + ": the Lock button ends at " + right + " of " + window.width)
                verify(lock.width >= lock.implicitWidth - 0.5, tab + ": the Lock button is squeezed")
                verify(chip.width >= 40, tab + ": the sync status keeps some room")
            }
            verify(Fixture.setLanguage(""))
        }

        // A pushed page's title on the phone, beside the back button and a usual status, is
        // read whole ("Synchronizace s ce…" was cut).
        function test_pushed_page_titles_whole_in_czech() {
            verify(Fixture.reset(true, true))
            verify(Fixture.setLanguage("cs"))
            const window = createTemporaryObject(windowComponent, stage, { app: Fixture.app })
            verify(window)
            window.width = 412
            window.height = 915
            for (const page of ["sync", "settings"]) {
                window.showPage(page)
                wait(400)
                findChild(window.contentItem, "syncChip").text = "Synchronizováno právě teď"
                wait(20)
                const title = findChild(window.contentItem, "pageTitle")
                verify(title.text.length > 0, page)
                verify(!title.truncated, page + ": the title is cut: " + title.text)
                window.back()
                wait(400)
            }
            verify(Fixture.setLanguage(""))
        }

        // The Sync page names where the vault's key is kept, in the officer's language, and
        // follows a switch back to English (the platform layer's own descriptions are English,
        // for logs and the command line).
        function test_key_store_named_in_czech() {
            verify(Fixture.reset(true, true))
            verify(Fixture.setLanguage("cs"))
            const window = createTemporaryObject(windowComponent, stage, { app: Fixture.app })
            verify(window)
            window.width = 412
            window.height = 915
            window.showPage("sync")
            wait(400)
            let texts = collect(window.contentItem, [])
            verify(texts.indexOf("softwarové úložiště klíčů (slabší: soubor vedle trezoru)") >= 0,
                   texts.join(" | "))
            verify(Fixture.setLanguage("en"))
            wait(50)
            texts = collect(window.contentItem, [])
            verify(texts.indexOf("software key store (weaker: a file beside the vault)") >= 0,
                   texts.join(" | "))
            verify(Fixture.setLanguage(""))
        }

        // The passphrase advice comes from the vault layer (sync/vault/passphrase.cpp); it is
        // shown while the officer types, so it speaks the officer's language too.
        function test_passphrase_advice_in_czech() {
            verify(Fixture.setLanguage("cs"))
            Fixture.app.vault.assessPassphrase("1234")
            const reasons = Fixture.app.vault.passphraseReasons
            verify(reasons.length > 0, "a PIN is refused with reasons")
            verify(reasons.indexOf("Samotné číslo nestačí; použijte slova nebo směs znaků.") >= 0,
                   reasons.join(" | "))
            for (const r of reasons)
                for (const p of testCase.patterns)
                    verify(!(new RegExp(p).test(r)), "English advice in Czech: " + r)
            verify(Fixture.setLanguage("en"))
            Fixture.app.vault.assessPassphrase("1234")
            verify(Fixture.app.vault.passphraseReasons.indexOf(
                       "A number alone is not allowed; use words or a mix of characters.") >= 0)
            Fixture.app.vault.assessPassphrase("")
            verify(Fixture.setLanguage(""))
        }

        function test_enrolment_in_czech_and_back_to_english() {
            verify(Fixture.resetAtNow())
            verify(Fixture.setLanguage("cs"))
            const window = createTemporaryObject(windowComponent, stage, { app: Fixture.app })
            verify(window)
            window.width = 412
            window.height = 915
            wait(100)
            verify(findChild(window.contentItem, "enrolPage"), "first run shows the enrolment")
            compare(untranslated(window, "enrolment"), [])
            const texts = collect(window.contentItem, [])
            verify(texts.indexOf("Registrační kód") >= 0, texts.join(" | "))

            verify(Fixture.setLanguage("en"))
            wait(50)
            verify(collect(window.contentItem, []).indexOf("Enrolment code") >= 0, "English again")
            verify(Fixture.setLanguage(""))
            compare(Fixture.app.effectiveLanguage, "en", "the test system is English")
        }
    }
}
