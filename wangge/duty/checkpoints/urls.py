from django.urls import path

from wangge.duty.checkpoints import views as v

urlpatterns = [
    path("", v.checkpoint_list, name="checkpoints"),
    path("checkpoints/new/", v.checkpoint_new, name="checkpoint_new"),
    path("checkpoints/<int:checkpoint_id>/", v.checkpoint_detail, name="checkpoint"),
    path("checkpoints/<int:checkpoint_id>/edit/", v.checkpoint_edit, name="checkpoint_edit"),
    path("checkpoints/<int:checkpoint_id>/close/", v.checkpoint_close, name="checkpoint_close"),
    path("checkpoints/<int:checkpoint_id>/reopen/", v.checkpoint_reopen, name="checkpoint_reopen"),
    path("checkpoints/<int:checkpoint_id>/shifts/", v.checkpoint_make_shifts, name="checkpoint_make_shifts"),
]
