from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/channels/", views.preferences, name="notification-preferences"),
]

api_urlpatterns = [  # under /api/v1/ (govgrid/urls.py)
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/read/", views.MarkReadView.as_view(), name="notification-read"),
]
