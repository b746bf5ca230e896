"""The satisfaction survey (SKM): arithmetic, questionnaire, survey store, report and PDF."""
