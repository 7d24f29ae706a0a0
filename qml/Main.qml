// No `pragma ComponentBehavior: Bound` here: Qt 6.4's Loader and StackView refuse to instantiate
// bound components ("outside its creation context"); the inline components below need them.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Liaison

// The window: the unlock page while the vault is closed, the main page while it is open. The
// main page is destroyed on lock, so nothing of the records stays in the scene.
ApplicationWindow {
    id: root

    required property AppController app

    readonly property bool unlocked: root.app.vault.state === VaultController.Unlocked

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
        sourceComponent: root.unlocked ? mainComponent : unlockComponent
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
