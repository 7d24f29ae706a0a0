import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// One contact in the list: initials, name, role and organisation, country; a contact with a 24/7
// line gets a call button at the end of the row that dials it at once.
ItemDelegate {
    id: root

    required property int index
    required property string name
    required property string role
    required property string organisation
    required property string country
    required property string initials
    required property bool has24h
    required property string callNumber

    signal opened(int row)
    signal callRequested(string number)

    width: ListView.view ? ListView.view.width : implicitWidth
    implicitHeight: Math.max(72, row.implicitHeight + 20)
    onClicked: root.opened(root.index)

    contentItem: RowLayout {
        id: row
        spacing: 14
        Rectangle {
            Layout.preferredWidth: 44
            Layout.preferredHeight: 44
            radius: 22
            color: Theme.primary
            Label {
                anchors.centerIn: parent
                text: root.initials
                color: Theme.textOnPrimary
                font.pixelSize: 16
                font.weight: Font.DemiBold
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 2
            Label {
                Layout.fillWidth: true
                text: root.name
                elide: Text.ElideRight
                font.pixelSize: Theme.fontSizeBody + 1
                font.weight: Font.DemiBold
                color: Theme.textPrimary
            }
            Label {
                Layout.fillWidth: true
                text: [root.role, root.organisation].filter(s => s.length > 0).join(" · ")
                elide: Text.ElideRight
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
            }
            Label {
                Layout.fillWidth: true
                visible: root.country.length > 0
                text: root.country
                elide: Text.ElideRight
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
            }
        }
        ToolButton {
            objectName: "rowCallButton"
            visible: root.has24h && root.callNumber.length > 0
            Layout.preferredWidth: Theme.touchTarget
            Layout.preferredHeight: Theme.touchTarget
            text: "\u260E"
            font.pixelSize: 22
            Accessible.name: qsTr("Call the 24/7 line of %1").arg(root.name)
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Call 24/7 line")
            contentItem: Label {
                text: parent.text
                font: parent.font
                color: Theme.ok
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
            onClicked: root.callRequested(root.callNumber)
        }
    }

    Rectangle {
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; leftMargin: 74 }
        height: 1
        color: Theme.divider
    }
}
