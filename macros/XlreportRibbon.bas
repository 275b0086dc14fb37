Option Explicit

' xlreport ribbon callbacks.  ASCII only: VBA source is stored in a Windows code page,
' so every Chinese text lives in customUI14.xml and in Python (xlreport.excel).
' One generic callback: the button's tag names the action, Python does the rest.
'
' xlwings' RunPython needs an open workbook (it passes ActiveWorkbook's name to Python).
' With none open, a new blank workbook stands in for it and its name is passed on, so
' Python can close it again after doing what the button asks.

Sub XlreportRibbon_OnAction(control As IRibbonControl)
    Dim Placeholder As String
    Placeholder = ""
    If ActiveWorkbook Is Nothing Then
        Workbooks.Add
        Placeholder = ActiveWorkbook.Name
    End If
    RunPython "import xlreport.excel; xlreport.excel.on_ribbon('" & control.Tag & "', placeholder='" & Placeholder & "')"
End Sub
