// No `pragma ComponentBehavior: Bound` here: Qt 6.4's Loader and StackView refuse to instantiate
// bound components ("outside its creation context"); the inline components below need them.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Liaison

// The window: the enrolment page on the first run, the unlock page while the vault is closed, the main page while it is open. The
// main page is destroyed on lock, so nothing of the records stays in the scene.
ApplicationWindow {
    id: root

    required property AppController app

    readonly property bool unlocked: root.app.vault.state === VaultController.Unlocked
    // First run: the enrolment page until HQ confirmed, or until the officer chose a local vault.
    property bool localSetup: false
    readonly property bool enrolling: root.app.enrolment.active
        || (root.app.vault.state === VaultController.NoVault && !root.localSetup)

    width: 412
    height: 892
    visible: true
    title: qsTr("Liaison")
    color: Theme.background
    font.family: Theme.fontFamily
    font.pixelSize: Theme.fontSizeBody

    Material.theme: Material.Light
    Material.primary: Theme.primary
    Material.accent: Theme.accent
    Material.background: Theme.background
    Material.foreground: Theme.textPrimary

    // For the screenshot tour and tests: switch the main page's tab, open a detail, go back.
    function showPage(name: string) {
        const page = contentLoader.item as MainPage
        if (page)
            page.showPage(name)
    }
    function openDetail(name: string, row: int) {
        const page = contentLoader.item as MainPage
        if (page)
            page.openDetail(name, row)
    }
    function back() {
        const page = contentLoader.item as MainPage
        if (page)
            page.back()
    }

    Loader {
        id: contentLoader
        objectName: "contentLoader"
        anchors.fill: parent
        sourceComponent: root.unlocked ? mainComponent
                                       : root.enrolling ? enrolComponent : unlockComponent
    }

    Component {
        id: enrolComponent
        EnrolPage {
            enrolment: root.app.enrolment
            vault: root.app.vault
            onLocalSetupRequested: root.localSetup = true
        }
    }

    Component {
        id: unlockComponent
        UnlockPage {
            vault: root.app.vault
            dutyNumber: root.app.dutyNumber
            onEmergencyCallRequested: root.app.callDutyNumber()
        }
    }

    Component {
        id: mainComponent
        MainPage {
            app: root.app
        }
    }
}
