// No `pragma ComponentBehavior: Bound` here: Qt 6.4's Loader and StackView refuse to instantiate
// bound components ("outside its creation context"); the inline components below need them.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Liaison

// The unlocked app: a header with the sync state and the lock button, the clock banner when the
// device clock is wrong, one of four lists (tabs at the bottom), and cards pushed over them.
Page {
    id: root

    required property AppController app

    readonly property var tabNames: ["contacts", "cases", "instructions", "schedule", "reports"]
    // Tablets and wide windows: the list on the left, the open card on the right.
    readonly property bool wide: width >= Theme.wideWidth

    objectName: "mainPage"

    function showPage(name: string) {
        if (name === "sync" || name === "settings") {
            stack.pop(null)
            stack.push(name === "sync" ? syncPage : settingsPage)
            return
        }
        const tab = root.tabNames.indexOf(name)
        if (tab >= 0 && tab !== tabs.currentIndex) {
            tabs.currentIndex = tab
            sidePane.source = ""
        }
        stack.pop(null)
    }
    function openDetail(name: string, row: int) {
        showPage(name)
        let props = null
        switch (name) {
        case "contacts": props = { records: root.app.contacts, card: contactCard, startIndex: row, title: qsTr("Contact") }; break
        case "cases": props = { records: root.app.cases, card: caseCard, startIndex: row, title: qsTr("Case") }; break
        case "instructions": props = { records: root.app.instructions, card: instructionCard, startIndex: row, title: qsTr("Instruction") }; break
        case "schedule": props = { records: root.app.schedule, card: scheduleCard, startIndex: row, title: qsTr("Visit item") }; break
        }
        if (!props)
            return
        if (root.wide)
            sidePane.setSource(Qt.resolvedUrl("DetailPage.qml"), props)
        else
            stack.push(detailPage, props)
    }
    function back() {
        if (stack.depth > 1)
            stack.pop()
    }
    onWideChanged: if (!root.wide) sidePane.source = ""

    header: ToolBar {
        Material.background: Theme.primary
        Material.foreground: Theme.textOnPrimary
        height: Theme.touchTarget + 8

        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: stack.depth > 1 ? 0 : Theme.margin
            spacing: 0
            ToolButton {
                objectName: "backButton"
                visible: stack.depth > 1
                text: "‹"
                font.pixelSize: 30
                Layout.preferredWidth: Theme.touchTarget
                Layout.preferredHeight: Theme.touchTarget
                onClicked: root.back()
            }
            Label {
                objectName: "pageTitle"
                Layout.fillWidth: true
                // The title keeps its room ("Nastavení" was elided to "Nasta…" beside a long
                // Czech sync status); the sync chip gives way and elides instead.
                Layout.minimumWidth: Math.min(implicitWidth, root.width * 0.4)
                text: stack.currentItem && stack.currentItem.title ? stack.currentItem.title : ""
                elide: Text.ElideRight
                font.pixelSize: Theme.fontSizeTitle
                font.weight: Font.DemiBold
                color: Theme.textOnPrimary
            }
            ToolButton {
                objectName: "syncChip"
                Layout.preferredHeight: Theme.touchTarget
                // It takes what the title, Settings and Lock leave, up to its text, and elides:
                // Lock stays whole ("Zamknout" ran off a phone's edge beside a long status).
                Layout.fillWidth: true
                Layout.minimumWidth: Theme.touchTarget
                Layout.maximumWidth: Math.max(Theme.touchTarget,
                                              Math.min(implicitWidth, root.width * 0.4))
                text: root.app.sync.summary
                Accessible.name: text
                font.pixelSize: Theme.fontSizeSmall
                font.capitalization: Font.MixedCase
                onClicked: root.showPage("sync")
            }
            ToolButton {
                objectName: "settingsButton"
                Layout.preferredHeight: Theme.touchTarget
                Layout.preferredWidth: Theme.touchTarget
                text: "⚙"
                font.pixelSize: 22
                Accessible.name: qsTr("Settings")
                onClicked: root.showPage("settings")
            }
            ToolButton {
                objectName: "lockButton"
                Layout.preferredHeight: Theme.touchTarget
                text: qsTr("Lock")
                Accessible.name: qsTr("Lock the vault")
                font.capitalization: Font.MixedCase
                onClicked: root.app.vault.lock()
            }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ClockWrongBanner {
            Layout.fillWidth: true
            visible: root.app.clockWrong
        }
        NoticeBanner {
            Layout.fillWidth: true
            notice: root.app.notice
        }
        Label {
            Layout.fillWidth: true
            visible: root.app.sessionError.length > 0
            padding: 12
            wrapMode: Text.WordWrap
            color: Theme.danger
            text: root.app.sessionError
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            StackView {
                id: stack
                Layout.fillHeight: true
                Layout.fillWidth: !root.wide
                Layout.preferredWidth: root.wide ? Math.max(360, Math.round(root.width * 0.4)) : -1
                initialItem: tabContent
            }
            Rectangle {
                visible: root.wide
                Layout.fillHeight: true
                Layout.preferredWidth: 1
                color: Theme.divider
            }
            Loader {
                id: sidePane
                objectName: "sidePane"
                visible: root.wide
                Layout.fillWidth: true
                Layout.fillHeight: true

                Label {
                    anchors.centerIn: parent
                    visible: sidePane.status !== Loader.Ready
                    text: qsTr("Select an entry on the left.")
                    color: Theme.textSecondary
                }
            }
        }
    }

    footer: TabBar {
        id: tabs
        objectName: "tabBar"
        visible: stack.depth === 1
        Material.background: Theme.surface
        Material.accent: Theme.primary
        contentHeight: Theme.touchTarget + 8

        Repeater {
            model: [qsTr("Contacts"), qsTr("Cases"), qsTr("Instructions"), qsTr("Schedule"), qsTr("Reports")]
            delegate: TabButton {
                id: tab
                required property string modelData
                required property int index
                // Instructions awaiting acknowledgement, as a badge on their tab.
                readonly property int badge: index === 2 ? root.app.instructions.awaitingCount : 0
                text: modelData
                font.pixelSize: Theme.fontSizeSmall
                font.capitalization: Font.MixedCase
                font.weight: Font.DemiBold
                contentItem: Item {
                    implicitWidth: tabLabel.implicitWidth
                    implicitHeight: tabLabel.implicitHeight
                    Label {
                        id: tabLabel
                        anchors.centerIn: parent
                        width: Math.min(implicitWidth, parent.width)
                        text: tab.text
                        font: tab.font
                        // Five tabs on a phone: the longest label shrinks a little before it
                        // would be cut ("Instructi…" at 412 px).
                        fontSizeMode: Text.HorizontalFit
                        minimumPixelSize: 10
                        elide: Text.ElideRight
                        color: tab.checked ? Theme.primary : Theme.textSecondary
                    }
                    Rectangle {
                        visible: tab.badge > 0
                        x: Math.min(tabLabel.x + tabLabel.width - 6, parent.width - width)
                        y: tabLabel.y - 12
                        width: Math.max(18, badgeText.implicitWidth + 8)
                        height: 18
                        radius: 9
                        color: Theme.warning
                        Label {
                            id: badgeText
                            anchors.centerIn: parent
                            text: String(tab.badge)
                            color: "white"
                            font.pixelSize: 11
                            font.weight: Font.Bold
                        }
                    }
                }
            }
        }
    }

    Component {
        id: tabContent
        StackLayout {
            readonly property string title: [qsTr("Contacts"), qsTr("Case summaries"), qsTr("Instructions"), qsTr("Visit schedule"), qsTr("Field reports")][tabs.currentIndex]
            currentIndex: tabs.currentIndex
            ContactsPage {
                contacts: root.app.contacts
                actions: root.app.actions
                onOpened: row => root.openDetail("contacts", row)
            }
            CasesPage {
                cases: root.app.cases
                onOpened: row => root.openDetail("cases", row)
            }
            InstructionsPage {
                instructions: root.app.instructions
                onOpened: row => root.openDetail("instructions", row)
            }
            SchedulePage {
                schedule: root.app.schedule
                onOpened: row => root.openDetail("schedule", row)
            }
            ReportsPage {
                reports: root.app.reports
                actions: root.app.reportActions
                cases: root.app.cases
            }
        }
    }

    Component {
        id: detailPage
        DetailPage {}
    }
    Component {
        id: syncPage
        SyncPage {
            title: qsTr("Sync with HQ")
            sync: root.app.sync
            autoLockSeconds: root.app.autoLockSeconds
            keyStoreText: {
                switch (root.app.vault.keyStoreKind) {
                case "hardware":
                    return qsTr("this device's hardware-backed key store")
                case "keyring":
                    return qsTr("the system key ring: apart from the vault's files, unlocked with your login")
                default:
                    return qsTr("software key store (weaker: a file beside the vault)")
                }
            }
        }
    }
    Component {
        id: settingsPage
        SettingsPage {
            app: root.app
        }
    }
    Component {
        id: contactCard
        ContactCard {
            actions: root.app.actions
        }
    }
    Component {
        id: caseCard
        CaseCard {}
    }
    Component {
        id: instructionCard
        InstructionCard {
            actions: root.app.instructionActions
        }
    }
    Component {
        id: scheduleCard
        ScheduleCard {
            reports: root.app.reportActions
            actions: root.app.actions
        }
    }
}
