// No `pragma ComponentBehavior: Bound` here: Qt 6.4's ListView refuses bound delegates made in a
// context of their own (see ContactsPage.qml).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Liaison

// Field reports: write a note, optionally attach the current position and link a case; it is
// queued on the device and goes to HQ with the next sync. Below, the officer's reports and
// check-ins, each saying whether it still waits to be sent or went to HQ.
Page {
    id: root

    required property ReportModel reports
    required property ReportController actions
    required property CaseModel cases

    objectName: "reportsPage"
    background: Rectangle { color: Theme.background }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Pane {
            Layout.fillWidth: true
            padding: Theme.margin
            background: Rectangle { color: Theme.surface }

            ColumnLayout {
                width: parent.width
                spacing: 6
                TextArea {
                    id: note
                    objectName: "reportTextArea"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Math.max(96, implicitHeight)
                    placeholderText: qsTr("What happened? (stays on this device until the next sync)")
                    wrapMode: TextEdit.Wrap
                    Accessible.name: qsTr("Report text")
                }
                Switch {
                    id: attach
                    objectName: "attachPositionSwitch"
                    Layout.fillWidth: true
                    text: qsTr("Attach my position")
                    enabled: root.actions.hasFix
                }
                Label {
                    objectName: "reportPositionText"
                    Layout.fillWidth: true
                    text: root.actions.positionText
                    wrapMode: Text.WordWrap
                    color: Theme.textSecondary
                    font.pixelSize: Theme.fontSizeSmall
                }
                RowLayout {
                    Layout.fillWidth: true
                    CheckBox {
                        id: link
                        objectName: "linkCaseCheck"
                        text: qsTr("Link a case")
                        enabled: root.cases.count > 0
                    }
                    ComboBox {
                        id: linked
                        objectName: "linkCaseCombo"
                        Layout.fillWidth: true
                        enabled: link.checked
                        model: root.cases
                        textRole: "title"
                        valueRole: "recordId"
                        Accessible.name: qsTr("Case to link")
                    }
                }
                Label {
                    objectName: "reportError"
                    Layout.fillWidth: true
                    visible: text.length > 0
                    text: root.actions.error
                    color: Theme.danger
                    wrapMode: Text.WordWrap
                }
                Button {
                    objectName: "sendReportButton"
                    Layout.fillWidth: true
                    Layout.preferredHeight: Theme.touchTarget
                    highlighted: true
                    enabled: note.text.trim().length > 0
                    text: qsTr("Queue report for HQ")
                    font.capitalization: Font.MixedCase
                    onClicked: {
                        if (root.actions.sendReport(note.text, attach.checked,
                                                    link.checked ? linked.currentValue : ""))
                            note.clear()
                    }
                }
            }
        }

        ListView {
            id: list
            objectName: "reportList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: root.reports
            delegate: ItemDelegate {
                id: row
                required property string title
                required property string timeText
                required property string positionText
                required property string relatedTitle
                required property string deliveryText
                required property bool sent
                width: ListView.view.width
                contentItem: ColumnLayout {
                    spacing: 2
                    RowLayout {
                        Layout.fillWidth: true
                        Label {
                            Layout.fillWidth: true
                            text: row.title
                            elide: Text.ElideRight
                            font.weight: Font.DemiBold
                        }
                        StatusChip {
                            objectName: "deliveryChip"
                            text: row.deliveryText
                            tint: row.sent ? Theme.ok : Theme.warning
                        }
                    }
                    Label {
                        Layout.fillWidth: true
                        text: [row.timeText, row.relatedTitle, row.positionText].filter(s => s.length > 0).join(" · ")
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        font.pixelSize: Theme.fontSizeSmall
                    }
                }
            }
            ScrollIndicator.vertical: ScrollIndicator {}

            Label {
                anchors.centerIn: parent
                width: parent.width - 2 * Theme.margin
                visible: list.count === 0
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                text: qsTr("No reports or check-ins yet.")
            }
        }
    }
}
