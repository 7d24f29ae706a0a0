import QtQuick
import QtMultimedia
import QtTest
import Liaison
import LiaisonTest

// The enrolment page (first run) over the real core: a damaged code says so and leaves nothing;
// against the real desk (liaison-hq + liaison-relay on loopback, deskkit.h) the code read from
// the PNG liaison-hq wrote (ZXing) enrols: the safety number shows, the desk confirms with it,
// and HQ's first message unlocks the app with the scope's contacts. The same code again is
// refused as used; a code HQ never confirms runs out while waiting and nothing stays.
Item {
    id: stage
    width: 1280
    height: 1000

    TestCase {
        id: testCase
        name: "EnrolPage"
        when: windowShown

        Component {
            id: pageComponent
            EnrolPage {
                width: 412
                height: 1000
            }
        }

        MediaDevices { id: devices }

        // A camera's view of the printed code, as the scanner grabs its preview.
        Component {
            id: cameraView
            Rectangle {
                width: 640
                height: 480
                color: "#807060"
                property alias source: printed.source
                readonly property alias status: printed.status
                Image {
                    id: printed
                    x: 150
                    y: 60
                    width: 340
                    height: 340
                }
            }
        }

        Component {
            id: readerComponent
            QrFrameReader { }
        }

        SignalSpy {
            id: foundSpy
            signalName: "found"
        }

        function createPage() {
            const page = createTemporaryObject(pageComponent, stage,
                                               { enrolment: Fixture.app.enrolment, vault: Fixture.app.vault })
            verify(page, "page created")
            return page
        }

        function fill(page, code) {
            const codeField = findChild(page, "enrolCodeField")
            const first = findChild(page, "enrolPassphraseField")
            const second = findChild(page, "enrolConfirmField")
            const button = findChild(page, "enrolButton")
            verify(codeField && first && second && button)
            codeField.text = code
            first.text = Fixture.passphrase
            second.text = Fixture.passphrase
            tryCompare(button, "enabled", true)
            mouseClick(button)
            compare(codeField.text, "", "the code field is cleared once handed over")
            compare(first.text, "", "the passphrase field is cleared")
        }

        // The scanner (QtMultimedia) loads with the page; its button shows only where there is a
        // camera (none on this machine); a code it reads lands in the code field.
        function test_the_camera_scanner_is_offered_only_with_a_camera() {
            verify(Fixture.resetAtNow())
            const page = createPage()
            const loader = findChild(page, "scannerLoader")
            verify(loader)
            tryCompare(loader, "status", Loader.Ready)
            compare(loader.item.hasCamera, devices.videoInputs.length > 0)
            compare(findChild(page, "scanCodeButton").visible, devices.videoInputs.length > 0)
            const popup = findChild(page, "scanPopup")
            popup.open()
            tryCompare(popup, "opened", true)
            compare(loader.item.running, true)
            if (!loader.item.hasCamera)
                verify(findChild(loader.item, "scannerText").text.indexOf("no camera") >= 0)
            loader.item.found("LIAISON1-FROM-THE-CAMERA")
            tryCompare(popup, "visible", false)
            compare(findChild(page, "enrolCodeField").text, "LIAISON1-FROM-THE-CAMERA")
            compare(loader.item.running, false, "the camera stops with the popup")
        }

        function test_a_damaged_code_says_so_and_leaves_no_vault() {
            verify(Fixture.resetAtNow())
            const page = createPage()
            fill(page, "LIAISON1-QX7P2-KD9ZM-0000")
            tryCompare(Fixture.app.enrolment, "state", EnrolController.Failed, 5000)
            const message = findChild(page, "enrolMessage")
            verify(message && message.visible)
            verify(message.text.indexOf("not a complete enrolment code") >= 0, message.text)
            compare(Fixture.app.vault.state, VaultController.NoVault)
        }

        function test_suggested_words_pass_the_strength_check() {
            verify(Fixture.resetAtNow())
            const page = createPage()
            mouseClick(findChild(page, "suggestWordsButton"))
            const first = findChild(page, "enrolPassphraseField")
            compare(first.text.split(" ").length, 6)
            compare(first.echoMode, TextInput.Normal, "a suggestion is shown")
            compare(Fixture.app.vault.passphraseAcceptable, true)
            verify(findChild(page, "enrolStrengthMeter").value > 0.5)
            const other = Fixture.app.enrolment.suggestPassphrase()
            verify(other !== first.text, "two suggestions differ")
        }

        function test_enrol_against_the_real_desk() {
            const started = Fixture.startDesk()
            compare(started, "", "desk and relay run")

            // ---- the code from the PNG liaison-hq wrote, read with ZXing ----
            const png = Fixture.deskPath("code.png")
            const code = Fixture.deskAddDevice(png)
            verify(code.startsWith("LIAISON1-"), code)
            verify(Fixture.resetAtNow())
            compare(Fixture.app.enrolment.codeFromImage(png), code)
            compare(Fixture.app.enrolment.codeFromImage("file://" + png), code)
            compare(Fixture.app.enrolment.codeFromImage(Fixture.deskPath("relay.db")), "")
            verify(Fixture.app.enrolment.message.length > 0)

            // ---- the camera's path: a grab of a view of the printed code, read on a worker ----
            const view = createTemporaryObject(cameraView, stage, { source: "file://" + png })
            tryCompare(view, "status", Image.Ready)
            const reader = createTemporaryObject(readerComponent, testCase)
            foundSpy.clear()
            foundSpy.target = reader
            let handed = false
            verify(view.grabToImage((grab) => { handed = reader.read(grab) }))
            tryCompare(foundSpy, "count", 1, 10000)
            verify(handed)
            compare(foundSpy.signalArguments[0][0], code)
            compare(reader.done, true)

            // ---- enrol: the safety number shows while HQ has not confirmed ----
            let page = createPage()
            fill(page, code)
            tryCompare(Fixture.app.enrolment, "state", EnrolController.WaitingForHq, 60000)
            const number = Fixture.app.enrolment.safetyNumber
            verify(/^(\d{5} ){11}\d{5}$/.test(number), number)
            compare(Fixture.app.enrolment.safetyGroups.length, 12)
            const grid = findChild(page, "safetyNumberGrid")
            verify(grid && grid.visible)
            compare(Fixture.app.vault.state, VaultController.NoVault, "not unlocked before HQ confirms")

            // ---- the desk confirms with the number read out; HQ's RESYNC unlocks the app ----
            verify(Fixture.deskConfirm(number))
            tryCompare(Fixture.app.vault, "state", VaultController.Unlocked, 90000)
            compare(Fixture.app.enrolment.state, EnrolController.Confirmed)
            tryVerify(() => Fixture.contactCount() > 0, 10000, "the scope's contacts are there")

            // ---- the same code on a fresh device: used ----
            verify(Fixture.resetAtNow())
            page = createPage()
            fill(page, code)
            tryCompare(Fixture.app.enrolment, "state", EnrolController.Failed, 60000)
            let message = findChild(page, "enrolMessage")
            verify(message.text.indexOf("already been used, or HQ withdrew it") >= 0, message.text)
            compare(Fixture.app.vault.state, VaultController.NoVault)

            // ---- a code HQ never confirms: it expires while the app waits; nothing stays ----
            const second = Fixture.deskAddDevice()
            verify(second.startsWith("LIAISON1-"))
            verify(Fixture.resetAtNow())
            page = createPage()
            fill(page, second)
            tryCompare(Fixture.app.enrolment, "state", EnrolController.WaitingForHq, 60000)
            Fixture.advance(73 * 3600 * 1000)
            tryCompare(Fixture.app.enrolment, "state", EnrolController.Failed, 10000)
            message = findChild(page, "enrolMessage")
            verify(message.text.indexOf("did not confirm before the code expired") >= 0, message.text)
            compare(Fixture.app.vault.state, VaultController.NoVault, "the unconfirmed vault is gone")
        }
    }
}
