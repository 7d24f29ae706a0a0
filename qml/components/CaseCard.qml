pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// A case summary in full. HQ writes case summaries; the device only reads them.
Item {
    id: root

    required property int index
    required property string reference
    required property string channel
    required property string channelLabel
    required property string title
    required property string status
    required property string statusLabel
    required property int priority
    required property string priorityLabel
    required property string summary
    required property list<string> countries
    required property list<string> linkedContacts
    required property string handlingCode
    required property string updatedText

    width: ListView.view ? ListView.view.width : 400
    height: ListView.view ? ListView.view.height : 800

    Flickable {
        anchors.fill: parent
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true

        ColumnLayout {
            id: column
            width: Math.min(parent.width - 2 * Theme.margin, 640)
            x: (parent.width - width) / 2
            y: Theme.margin
            spacing: Theme.margin

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    RowLayout {
                        spacing: 6
                        StatusChip {
                            text: root.channelLabel
                            tint: Theme.channelColor(root.channel)
                            filled: true
                        }
                        StatusChip {
                            text: root.statusLabel
                            tint: Theme.caseStatusColor(root.status)
                        }
                        StatusChip {
                            text: qsTr("Priority: %1").arg(root.priorityLabel)
                            tint: Theme.priorityColor(root.priority)
                        }
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.title
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeHeadline
                        font.weight: Font.DemiBold
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.reference
                        color: Theme.textSecondary
                        font.family: "DejaVu Sans Mono"
                        font.pixelSize: Theme.fontSizeSmall
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.handlingCode.length > 0
                        text: qsTr("Handling code: %1").arg(root.handlingCode)
                        color: Theme.danger
                        font.pixelSize: Theme.fontSizeSmall
                        font.weight: Font.DemiBold
                    }
                }
            }

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                topPadding: 4
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 0
                    SectionLabel { text: qsTr("Summary") }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        text: root.summary
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                        lineHeight: 1.15
                    }
                    SectionLabel {
                        visible: root.countries.length > 0
                        text: qsTr("Countries")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.countries.length > 0
                        text: root.countries.join(", ")
                        wrapMode: Text.WordWrap
                    }
                    SectionLabel {
                        visible: root.linkedContacts.length > 0
                        text: qsTr("Linked contacts")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.linkedContacts.length > 0
                        text: root.linkedContacts.join("\n")
                        wrapMode: Text.WordWrap
                    }
                }
            }

            Label {
                Layout.fillWidth: true
                text: root.updatedText
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
                horizontalAlignment: Text.AlignRight
            }
        }
    }
}
