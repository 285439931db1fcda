"""Reader-question routes, added to the discussion's URLs (namespace "comments")."""

from django.urls import path

from . import views

question_urlpatterns = [
    path("questions/", views.answered, name="questions_answered"),
    path("questions/ask/", views.ask, name="question_ask"),
    path("questions/mine/", views.mine, name="questions_mine"),
    path("questions/<int:pk>/answer/", views.answer, name="question_answer"),
    path("article/<int:article_id>/answers/", views.answers, name="question_answers"),
]
