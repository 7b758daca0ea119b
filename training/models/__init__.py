"""Training domain models.  Importing this package registers every training table."""

from training.models.courses import Category, Choice, Course, CourseType, Delivery, Question, QuestionKind
from training.models.plans import Assignment, Audience, PlanItem, TrainingPlan
from training.models.sessions import Enrolment, SessionStatus, TrainingSession
from training.models.assessments import Attempt, AttemptAnswer, AttemptStatus, Certification
from training.models.evaluation import QualityFigure, ReminderLog, SurveyResponse

__all__ = [
    "Assignment", "Attempt", "AttemptAnswer", "AttemptStatus", "Audience", "Category", "Certification", "Choice",
    "Course", "CourseType", "Delivery", "Enrolment", "PlanItem", "QualityFigure", "Question", "QuestionKind",
    "ReminderLog", "SessionStatus", "SurveyResponse", "TrainingPlan", "TrainingSession",
]
