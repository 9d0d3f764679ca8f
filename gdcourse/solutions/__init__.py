"""Reference solutions of the exercises, one module per chapter.

The book shows these functions in the dropdown solution after each exercise
(``literalinclude`` with ``:pyobject:``), and the grader compares learners' answers with
them: what the reader sees is what the hidden tests test.
"""
